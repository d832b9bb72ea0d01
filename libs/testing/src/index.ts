export { freePort } from './free-port';
export { startNatsServer, type NatsServerOptions, type TestNatsServer } from './nats-server';
export { createTestDatabase, type TestDatabase } from './database';
export { startImapServer, type TestImapServer } from './imap-server';
export { createTestMysqlDatabase, type TestMysqlDatabase } from './mysql-database';
export { eventually } from './eventually';
export { alongside } from './alongside';
export {
  startNatsCluster,
  clusterNodeConfig,
  waitForMetaLeader,
  placeOffClient,
  type PlacedConsumer,
  type PlacedOffClient,
  type TestNatsCluster,
  type TestNatsNode,
  type NatsClusterOptions,
} from './nats-cluster';
export { SecretScanner, encodingsOf, type SecretFinding } from './secret-scanner';
export { startOtlpSink, countProtobufSpans, type OtlpSink, type SinkSpan } from './otlp-sink';
export { Rng, fnv1a } from './rng';
