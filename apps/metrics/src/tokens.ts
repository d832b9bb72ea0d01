export { READ_MODEL_DATA_SOURCE as DATA_SOURCE } from '@aether/read-model';
