import { simpleParser, type AddressObject } from 'mailparser';
import type { NodeContext, NodeHandler } from '../contract';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { MailError } from './mail.handlers';
import { checkUidValidity, withMailbox } from './imap-session';
import type { MailNodeOptions } from './mail-egress';

const DEFAULT_LIMIT = 10;
const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

/** `mail.fetch`, `mail.move` and `mail.markSeen` over IMAP (imapflow), the server only as a secret. */
export function imapHandlers(options: MailNodeOptions = {}): NodeHandler[] {
  return [
    implement('mail.fetch', async (p, context) => {
      const mailbox = p.mailbox ?? 'INBOX';
      const limit = p.limit ?? DEFAULT_LIMIT;
      const maxBytes = p.maxBytes ?? DEFAULT_MAX_BYTES;
      return withMailbox(
        p.imap,
        mailbox,
        { readOnly: true, signal: context.signal, guard: options },
        async (client, uidValidity) => {
          const found =
            (await client.search(
              {
                ...((p.unseen ?? true) ? { seen: false } : {}),
                ...(p.from !== undefined ? { from: p.from } : {}),
                ...(p.subject !== undefined ? { subject: p.subject } : {}),
                ...(p.since !== undefined ? { since: new Date(`${p.since}T00:00:00Z`) } : {}),
                ...(p.uids !== undefined ? { uid: uidsOf(p.uids).join(',') } : {}),
              },
              { uid: true },
            )) || [];
          const uids = [...found].sort((a, b) => a - b);
          const chosen = uids.slice(0, limit);
          const messages = [];
          for (const uid of chosen) {
            throwIfAborted(context.signal);
            const message = await client.fetchOne(
              String(uid),
              { uid: true, size: true, flags: true },
              { uid: true },
            );
            if (message === false) continue; // expunged meanwhile
            if ((message.size ?? 0) > maxBytes)
              throw new MailError(
                `IMAP: message ${uid} has ${message.size} bytes, more than maxBytes (${maxBytes})`,
                false,
              );
            // BODY.PEEK: reading leaves \Seen as it was, so the step can run again
            const full = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
            if (full === false || full.source === undefined) continue;
            messages.push(
              await describe(uid, uidValidity, message.flags?.has('\\Seen') ?? false, full.source, {
                attachments: p.attachments ?? true,
                mailbox,
                context,
              }),
            );
          }
          return { messages, count: messages.length, more: uids.length > limit, mailbox, uidValidity };
        },
      );
    }),
    implement('mail.move', async (p, context) => {
      const mailbox = p.mailbox ?? 'INBOX';
      return withMailbox(
        p.imap,
        mailbox,
        { readOnly: false, signal: context.signal, guard: options },
        async (client, uidValidity) => {
          checkUidValidity(p.uidValidity, uidValidity, mailbox);
          const present = await presentUids(client, uidsOf(p.uids));
          if (present.length === 0) return { moved: 0, uids: [], destinationUids: [] };
          const target = pathOf(p.to);
          await client.mailboxCreate(target); // answers `created: false` when it exists
          const result = await client.messageMove(present.join(','), target, { uid: true });
          if (result === false) throw new MailError(`IMAP: the server refused to move to "${p.to}"`, true);
          const destinationUids = present
            .map((uid) => result.uidMap?.get(uid))
            .filter((u) => u !== undefined);
          return { moved: present.length, uids: present, destinationUids };
        },
      );
    }),
    implement('mail.markSeen', async (p, context) => {
      const mailbox = p.mailbox ?? 'INBOX';
      return withMailbox(
        p.imap,
        mailbox,
        { readOnly: false, signal: context.signal, guard: options },
        async (client, uidValidity) => {
          checkUidValidity(p.uidValidity, uidValidity, mailbox);
          const present = await presentUids(client, uidsOf(p.uids));
          if (present.length === 0) return { updated: 0, uids: [] };
          const range = present.join(',');
          const done =
            (p.seen ?? true)
              ? await client.messageFlagsAdd(range, ['\\Seen'], { uid: true })
              : await client.messageFlagsRemove(range, ['\\Seen'], { uid: true });
          if (!done) throw new MailError('IMAP: the server refused to change the \\Seen flag', true);
          return { updated: present.length, uids: present };
        },
      );
    }),
  ];
}

/** Mailbox paths in params use `/` between levels; imapflow joins them with the server's delimiter. */
export function pathOf(mailbox: string): string[] {
  return mailbox.split('/');
}

function uidsOf(uids: number | number[]): number[] {
  return [...new Set(Array.isArray(uids) ? uids : [uids])].sort((a, b) => a - b);
}

/** The given UIDs still in the selected mailbox (a re-run after a move finds none). */
async function presentUids(client: import('imapflow').ImapFlow, uids: number[]): Promise<number[]> {
  const found = (await client.search({ uid: uids.join(',') }, { uid: true })) || [];
  return [...found].sort((a, b) => a - b);
}

async function describe(
  uid: number,
  uidValidity: string,
  seen: boolean,
  source: Buffer,
  options: { attachments: boolean; mailbox: string; context: NodeContext },
) {
  const parsed = await simpleParser(source, { skipImageLinks: true });
  const from = addressesOf(parsed.from)[0];
  const attachments = [];
  if (options.attachments) {
    for (const [index, attachment] of parsed.attachments.entries()) {
      const name = safeName(attachment.filename ?? `attachment-${index + 1}`);
      // the same name on a re-run: the artifact is replaced, not duplicated
      const ref = await options.context.storeArtifact(
        'mail-attachment',
        `${uidValidity}-${uid}/${index + 1}-${name}`,
        attachment.content,
      );
      attachments.push({ name, contentType: attachment.contentType, size: attachment.size, ref });
    }
  }
  return {
    uid,
    uidValidity,
    ...(parsed.messageId !== undefined ? { messageId: parsed.messageId } : {}),
    ...(from !== undefined ? { from: from.text, fromAddress: from.address } : {}),
    to: [...addressesOf(parsed.to), ...addressesOf(parsed.cc)].map((a) => a.address),
    subject: parsed.subject ?? '',
    ...(parsed.date !== undefined ? { date: parsed.date.toISOString() } : {}),
    text: parsed.text ?? '',
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    seen,
    attachments,
  };
}

function addressesOf(
  value: AddressObject | AddressObject[] | undefined,
): { address: string; text: string }[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((group) =>
    group.value.flatMap((a) =>
      a.address ? [{ address: a.address, text: a.name ? `${a.name} <${a.address}>` : a.address }] : [],
    ),
  );
}

/** A file name without folders or control characters, for the artifact's name. */
function safeName(name: string): string {
  const cleaned = [...name]
    .map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 32 ? '_' : c))
    .join('')
    .slice(-200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'attachment' : cleaned;
}
