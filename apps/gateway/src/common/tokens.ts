export const READ_MODEL = Symbol('READ_MODEL');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
