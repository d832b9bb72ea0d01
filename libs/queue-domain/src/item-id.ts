import { createHash } from 'node:crypto';

/**
 * The id of the item with `reference` in `queue`: the same pair always names the same subject,
 * so adding it twice is refused by the expected sequence 0, whichever process adds it.
 */
export function queueItemId(queue: string, reference: string): string {
  return createHash('sha256').update(`${queue}\n${reference}`).digest('base64url');
}
