export { freePort } from './free-port';
export { startNatsServer, type TestNatsServer } from './nats-server';
export { createTestDatabase, type TestDatabase } from './database';
export { eventually } from './eventually';
