// Before anything else: the SDK patches http, express, Nest, pg and pino as they load.
import { startTelemetry } from '@aether/telemetry';

startTelemetry('metrics');
