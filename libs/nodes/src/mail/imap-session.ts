import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { NodeError } from '../errors';
import { raceAbort } from '../shared/abort';
import { guardedImapOptions, type MailNodeOptions } from './mail-egress';
import { MailError } from './mail.handlers';

/**
 * The connection an `imap` param names: `imap://user:password@host[:143]` (STARTTLS when the
 * server offers it) or `imaps://…[:993]` (TLS from the start).
 */
export function imapOptions(url: string): ImapFlowOptions & { host: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new MailError('imap: not a URL (value hidden)', false, { cause: error });
  }
  const secure = parsed.protocol.toLowerCase() === 'imaps:';
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? (secure ? 993 : 143) : Number(parsed.port),
    secure,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  };
}

/**
 * Connects (through the egress guard when `guard` has a policy), opens `mailbox` and runs `work`
 * with it selected (read-only when `readOnly`), then logs out. The step's signal closes the
 * connection. Failures come out as `MailError`s with the password cut from their text, a refused
 * destination as `EgressDeniedError`.
 */
export async function withMailbox<T>(
  url: string,
  mailbox: string,
  options: { readOnly: boolean; signal: AbortSignal; guard?: MailNodeOptions },
  work: (client: ImapFlow, uidValidity: string) => Promise<T>,
): Promise<T> {
  const connection = imapOptions(url);
  const client = new ImapFlow({
    ...connection,
    ...guardedImapOptions(connection.host, options.guard ?? {}),
  });
  // imapflow emits 'error' for socket failures after connect; the pending command rejects too
  client.on('error', () => undefined);
  const onAbort = () => client.close();
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await raceAbort(client.connect(), options.signal);
    const lock = await raceAbort(
      client.getMailboxLock(mailbox.split('/'), { readOnly: options.readOnly }),
      options.signal,
    );
    try {
      const opened = client.mailbox;
      if (opened === false) throw new MailError(`IMAP: mailbox "${mailbox}" is not open`, true);
      return await raceAbort(work(client, String(opened.uidValidity)), options.signal);
    } finally {
      lock.release();
    }
  } catch (error) {
    throw toImapError(error, url);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
  }
}

/** `uidValidity` given and different: the mailbox was rebuilt and these UIDs name other messages. */
export function checkUidValidity(expected: string | undefined, actual: string, mailbox: string): void {
  if (expected !== undefined && expected !== actual)
    throw new MailError(
      `IMAP: mailbox "${mailbox}" has UIDVALIDITY ${actual}, not ${expected}: its UIDs now name other messages`,
      false,
    );
}

export function toImapError(error: unknown, url: string): NodeError {
  if (error instanceof NodeError) return error;
  const e = error as {
    message?: string;
    code?: string;
    authenticationFailed?: boolean;
    serverResponseCode?: string;
    responseText?: string;
  };
  let message = [e.message, e.responseText].filter(Boolean).join(': ') || String(error);
  message = message.split(url).join('***');
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password.length >= 3) message = message.split(password).join('***');
  } catch {
    // not a URL
  }
  const terminal =
    e.authenticationFailed === true ||
    e.serverResponseCode === 'AUTHENTICATIONFAILED' ||
    e.serverResponseCode === 'NONEXISTENT';
  const code = e.serverResponseCode ?? e.code;
  return new MailError(`IMAP${code ? ` ${code}` : ''}: ${message}`, !terminal, { cause: error });
}
