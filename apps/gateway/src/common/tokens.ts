export const READ_MODEL = Symbol('READ_MODEL');
export const METRICS = Symbol('METRICS');
export { READ_MODEL_DATA_SOURCE as DATA_SOURCE } from '@aether/read-model';
