import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { NodeContext, NodeHandler } from '../contract';
import { NodeError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { abortedError, throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { guardedSmtpSocket, refuseSmtpUrl, type MailNodeOptions } from './mail-egress';

/** The mail server refused or could not be reached. Retryable for connection failures and 4xx replies. */
export class MailError extends NodeError {
  readonly code = 'MAIL_ERROR';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function mailHandlers(folder: ConfinedFolder, options: MailNodeOptions = {}): NodeHandler[] {
  const { egress } = options;
  return [
    implement('mail.send', async (p, context) => {
      throwIfAborted(context.signal);
      const refusal = egress === undefined ? undefined : refuseSmtpUrl(p.smtp);
      if (refusal) throw new MailError(refusal, false);
      const attachments = await Promise.all(
        (p.attachments ?? []).map(async ({ file, name }) => {
          const source = await readFileSource(file, folder, context);
          return { filename: name ?? source.name, content: Buffer.from(source.bytes) };
        }),
      );
      throwIfAborted(context.signal);
      const transport = nodemailer.createTransport(
        egress === undefined ? p.smtp : { url: p.smtp, getSocket: guardedSmtpSocket({ ...options, egress }) },
      );
      try {
        // The signal, not a race around the send: on abort nodemailer closes the connection, so a
        // server that answers late never gets the rest of the transaction (ADR 79's socket included).
        const info = await transport.sendMail({
          from: p.from,
          to: p.to,
          cc: p.cc,
          bcc: p.bcc,
          replyTo: p.replyTo,
          subject: p.subject,
          text: p.text,
          html: p.html,
          attachments,
          ...(p.inReplyTo ? { inReplyTo: p.inReplyTo, references: p.inReplyTo } : {}),
          ...(context.idempotencyKey !== undefined ? { messageId: messageIdOf(context, p.from) } : {}),
          signal: context.signal,
        });
        return {
          messageId: info.messageId,
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
        };
      } catch (error) {
        if (context.signal.aborted) throw abortedError(context.signal);
        throw toMailError(error, p.smtp);
      } finally {
        transport.close();
      }
    }),
  ];
}

/** One Message-ID per job, step and key: a copy sent again after a crash carries the same one. */
function messageIdOf(context: NodeContext, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'aether.invalid';
  const digest = createHash('sha256')
    .update(JSON.stringify([context.tenantId, context.jobId, context.stepKey, context.idempotencyKey]))
    .digest('hex')
    .slice(0, 32);
  return `<${digest}@${domain}>`;
}

function toMailError(error: unknown, smtp: string): NodeError {
  if (error instanceof NodeError) return error;
  const e = error as { message?: string; code?: string; responseCode?: number };
  let message = String(e.message ?? error)
    .split(smtp)
    .join('***');
  try {
    const password = decodeURIComponent(new URL(smtp).password);
    if (password.length >= 3) message = message.split(password).join('***');
  } catch {
    // not a URL
  }
  const retryable =
    e.responseCode === undefined
      ? e.code !== 'EAUTH' && e.code !== 'EENVELOPE'
      : e.responseCode >= 400 && e.responseCode < 500;
  return new MailError(`SMTP${e.code ? ` ${e.code}` : ''}: ${message}`, retryable, { cause: error });
}
