export {
  EgressPolicy,
  EgressRefusedError,
  guardedConnectOptions,
  guardedConnector,
  guardedLookup,
  guardedSocket,
  systemResolver,
  type EgressMode,
  type Resolver,
} from './policy';
