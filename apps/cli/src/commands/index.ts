import type { Command } from 'commander';
import { registerValidate } from './validate';

/** Each command module exports one `register(program)`; the table is explicit on purpose. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerValidate];
