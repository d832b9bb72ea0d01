import type { LookupFunction, Socket } from 'node:net';
import { guardedConnectOptions, type EgressPolicy, type Resolver } from '@aether/egress';
import { EgressDeniedError, robotSocket } from '../http/egress';

/** Where `mail.*` steps may connect (ADR 79). */
export interface MailNodeOptions {
  /**
   * Checked on the server's host and, after DNS, on the address connected to; the connection goes
   * to the address that was checked. Default: anywhere.
   */
  readonly egress?: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
}

/** What nodemailer hands a `getSocket` function: the transport's merged options. */
interface SmtpSocketRequest {
  readonly host?: string;
  readonly port?: number | string;
  readonly secure?: boolean;
  readonly connectionTimeout?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 2 * 60_000;

/**
 * nodemailer's `getSocket`: a plain TCP connection to the SMTP server, opened through the guard and
 * handed over as `connection`. nodemailer then starts TLS on it itself (`smtps:` or STARTTLS) with
 * the host name as SNI and certificate name, so the check and the connection see one DNS answer.
 */
export function guardedSmtpSocket(options: MailNodeOptions & { readonly egress: EgressPolicy }) {
  return (
    request: SmtpSocketRequest,
    callback: (error: Error | null, socket?: { connection: Socket }) => void,
  ): void => {
    const host = request.host || 'localhost';
    // nodemailer's own defaults for a URL without a port
    const port = Number(request.port) || (request.secure ? 465 : 587);
    const socket = robotSocket(options.egress, options.resolve);
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      socket.removeAllListeners('connect').removeAllListeners('timeout');
      socket.setTimeout(0);
      if (error) {
        socket.destroy();
        callback(error);
      } else callback(null, { connection: socket });
    };
    socket.once('connect', () => settle(null));
    socket.once('error', settle);
    socket.setTimeout(request.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT_MS, () =>
      settle(Object.assign(new Error(`Connection to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    );
    socket.connect(port, host);
  };
}

/**
 * URL options nodemailer would act on that open a connection or run a program beside the guard:
 * `proxy` replaces `getSocket`, the others swap the SMTP transport for another one.
 */
const UNGUARDED_SMTP_OPTIONS = ['proxy', 'sendmail', 'streamTransport', 'jsonTransport', 'SES', 'direct'];

/** Why this `smtp` URL cannot be sent through the guard; undefined: it can. The URL's text stays out. */
export function refuseSmtpUrl(smtp: string): string | undefined {
  let url: URL;
  try {
    url = new URL(smtp);
  } catch {
    return 'smtp: not a URL (value hidden)';
  }
  if (!/^smtps?:$/i.test(url.protocol)) return 'smtp: expected an smtp:// or smtps:// URL (value hidden)';
  const option = UNGUARDED_SMTP_OPTIONS.find((name) => url.searchParams.has(name));
  return option === undefined ? undefined : `smtp: the URL option "${option}" is not allowed on a robot`;
}

/**
 * ImapFlow's connection options behind the guard (`guardedConnectOptions`: ImapFlow passes its
 * `tls` options to `net.connect` and `tls.connect` alike).
 * @throws EgressDeniedError when the host itself is refused, before any connection.
 */
export function guardedImapOptions(
  host: string,
  options: MailNodeOptions,
): { tls?: { lookup: LookupFunction } } {
  if (options.egress === undefined) return {};
  return {
    tls: guardedConnectOptions(
      options.egress,
      host,
      options.resolve,
      (message) => new EgressDeniedError(`${message} on this robot`),
    ),
  };
}
