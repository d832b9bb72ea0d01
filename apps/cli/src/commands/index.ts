import type { Command } from 'commander';
import { registerAudit } from './audit';
import { registerHeal } from './heal';
import { registerJobs } from './jobs';
import { registerLogin } from './login';
import { registerMailTriggers } from './mail-triggers';
import { registerQuarantine } from './quarantine';
import { registerQueues } from './queues';
import { registerReplay } from './replay';
import { registerRobots } from './robots';
import { registerSecrets } from './secrets';
import { registerSubscriptions } from './subscriptions';
import { registerTail } from './tail';
import { registerUsers } from './users';
import { registerValidate } from './validate';

/** Each command module exports one `register(program)`; the table is explicit on purpose. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerValidate,
  registerLogin,
  registerJobs,
  registerReplay,
  registerTail,
  registerQuarantine,
  registerHeal,
  registerAudit,
  registerQueues,
  registerRobots,
  registerSubscriptions,
  registerSecrets,
  registerMailTriggers,
  registerUsers,
];
