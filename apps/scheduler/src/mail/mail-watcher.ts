import { createHash } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { ImapFlow } from 'imapflow';
import {
  MAIL_TRIGGER_EVENTS,
  MailTriggerDefinitionSchema,
  MailTriggerFired,
  MessageRegistry,
  RequestJob,
  STREAMS,
  subjects,
  type JsonObject,
  type MailTriggerDefinition,
  type MailTriggerEvent,
} from '@aether/contracts';
import { guardedConnectOptions, type EgressPolicy, type Resolver } from '@aether/egress';
import { ConcurrencyError, directGet, type EventStore } from '@aether/event-store';
import { KvMirror } from '@aether/kv-state';
import type { Logger } from '@aether/service-kit';
import { SecretUnreadableError } from '@aether/vault';
import { VersionLookups, checkFire } from '../workflows/published-versions';
import type { SecretLookup } from './mailbox-secrets';

const registry = new MessageRegistry<MailTriggerEvent>(MAIL_TRIGGER_EVENTS);
const encoder = new TextEncoder();
/** Messages one poll of one trigger starts at most; the rest wait for the next poll. */
const BATCH = 50;

export interface MailWatcherOptions {
  /** Pause between two polls of every mailbox, in ms. */
  readonly pollMs: number;
  /** Names this replica in `MailTriggerFired.firedBy`. */
  readonly replicaId: string;
  /**
   * Where mailbox connections may go, checked on the host and, after DNS, on the address
   * connected to (ADR 79). Default: anywhere.
   */
  readonly egress?: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
}

interface LastFire {
  readonly sequence: number;
  readonly event: MailTriggerEvent;
}

/**
 * Starts a job per new message of each mail trigger's mailbox (ADR 52). Every replica polls;
 * each new message is claimed by appending `MailTriggerFired` to the trigger's subject with the
 * expected last sequence, so one replica wins it and the others see it on their next read. The
 * last fire (its UID and UIDVALIDITY) is where polling resumes after a restart, and its job id is
 * derived from the Message-ID, so the same message found again starts no second job. A message's
 * variables are checked against the version its job would run, which the request pins; a message
 * that version refuses is recorded with the refusal (`refused`) and starts no job (ADR 135).
 */
export class MailWatcher {
  private mirror?: KvMirror<MailTriggerDefinition>;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly resumed = new Set<string>();
  private stopped = false;
  private readonly versions: VersionLookups;

  constructor(
    private readonly kv: KV,
    private readonly store: EventStore,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly secrets: SecretLookup,
    private readonly options: MailWatcherOptions,
    private readonly logger: Logger,
  ) {
    this.versions = new VersionLookups(store);
  }

  async start(): Promise<void> {
    this.mirror = await KvMirror.start(this.kv, {
      parse: (value) => MailTriggerDefinitionSchema.safeParse(value).data,
      onInvalid: (key) => this.logger.warn({ key }, 'invalid mail trigger definition ignored'),
      onChange: () => undefined,
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.mirror?.stop();
    await this.polling;
  }

  private schedule(inMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollAll().finally(() => this.schedule(this.options.pollMs));
    }, inMs);
  }

  private async pollAll(): Promise<void> {
    for (const { key, value } of this.mirror?.all() ?? []) {
      if (this.stopped) return;
      if (value.paused) continue;
      try {
        await this.poll(value);
      } catch (error) {
        this.logger.warn(
          { trigger: value.triggerId, tenantId: value.tenantId, err: describe(error) },
          'polling a mail trigger failed; trying again at the next poll',
        );
      }
      this.resumed.add(key);
    }
  }

  private async poll(definition: MailTriggerDefinition): Promise<void> {
    let last = await this.lastFire(definition);
    const key = `${definition.tenantId}.${definition.triggerId}`;
    // a crash between the fire and its RequestJob loses nothing: send it again once
    if (last && !this.resumed.has(key) && !last.event.data.refused)
      await this.requestJob(definition, last.event);
    let url: string | undefined;
    try {
      url = await this.secrets(definition.tenantId, definition.imapSecret);
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      this.logger.warn(
        { trigger: definition.triggerId, secret: definition.imapSecret, reason: error.reason },
        'mail trigger: its secret cannot be read',
      );
      return;
    }
    if (url === undefined) {
      this.logger.warn(
        { trigger: definition.triggerId, secret: definition.imapSecret },
        'mail trigger: its secret is not set',
      );
      return;
    }
    const connection = imapOptions(url);
    const { egress, resolve } = this.options;
    const client = new ImapFlow({
      ...connection,
      // ImapFlow hands its `tls` options to net.connect too: the guard's lookup pins the checked address
      ...(egress ? { tls: guardedConnectOptions(egress, connection.host, resolve) } : {}),
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const lock = await client.getMailboxLock(definition.mailbox.split('/'), { readOnly: true });
      try {
        const mailbox = client.mailbox;
        if (mailbox === false) return;
        const uidValidity = String(mailbox.uidValidity);
        const after = last?.event.data.uidValidity === uidValidity ? last.event.data.uid : 0;
        const found =
          (await client.search(
            {
              uid: `${after + 1}:*`,
              ...(definition.from !== undefined ? { from: definition.from } : {}),
              ...(definition.subject !== undefined ? { subject: definition.subject } : {}),
            },
            { uid: true },
          )) || [];
        // `n:*` also names the last message when every UID is below n
        const uids = [...found]
          .filter((uid) => uid > after)
          .sort((a, b) => a - b)
          .slice(0, BATCH);
        for (const uid of uids) {
          if (this.stopped) return;
          const message = await client.fetchOne(String(uid), { uid: true, envelope: true }, { uid: true });
          if (message === false) continue;
          const envelope = message.envelope;
          const from = envelope?.from?.[0];
          const headers = {
            ...(from?.address ? { from: from.address } : {}),
            subject: envelope?.subject ?? '',
          };
          const jobId = jobIdOf(definition, envelope?.messageId ?? `${uidValidity}:${uid}`);
          const mail = {
            uid,
            uidValidity,
            ...(envelope?.messageId ? { messageId: envelope.messageId } : {}),
          };
          const check = await checkFire(
            this.versions,
            definition.tenantId,
            definition.workflowId,
            definition.workflowVersion,
            variablesOf(definition, mail, headers),
          );
          const fired = MailTriggerFired.create({
            tenantId: definition.tenantId,
            aggregateId: definition.triggerId,
            id: `mail:${definition.triggerId}:${uidValidity}:${uid}`,
            data: {
              ...mail,
              jobId,
              firedBy: this.options.replicaId,
              ...(check.ok ? { workflowVersion: check.workflowVersion } : { refused: check.refusal }),
            },
          });
          try {
            const { lastSequence } = await this.store.append(
              subjects.event(definition.tenantId, 'mail-trigger', definition.triggerId),
              [fired],
              last?.sequence ?? 0,
            );
            last = { sequence: lastSequence, event: fired };
          } catch (error) {
            if (error instanceof ConcurrencyError) return; // another replica took it; resume from its fire
            throw error;
          }
          if (!check.ok) {
            this.logger.warn(
              { trigger: definition.triggerId, uid, uidValidity, reason: check.refusal.reason },
              'mail trigger refused a message: the workflow version refuses its variables; no job started',
            );
            continue;
          }
          await this.requestJob(definition, fired, headers);
          this.logger.info(
            { trigger: definition.triggerId, uid, uidValidity, jobId: fired.data.jobId },
            'mail trigger started a job',
          );
        }
      } finally {
        lock.release();
      }
    } finally {
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }

  private async requestJob(
    definition: MailTriggerDefinition,
    fired: MailTriggerEvent,
    headers: { from?: string; subject?: string } = {},
  ): Promise<void> {
    const { jobId, uid, uidValidity, messageId } = fired.data;
    // fires before ADR 135 carry no version: the trigger's own (absent: the latest)
    const workflowVersion = fired.data.workflowVersion ?? definition.workflowVersion;
    const command = RequestJob.create({
      tenantId: definition.tenantId,
      aggregateId: jobId,
      id: `request:${jobId}`,
      data: {
        workflowId: definition.workflowId,
        ...(workflowVersion ? { workflowVersion } : {}),
        variables: variablesOf(
          definition,
          { uid, uidValidity, ...(messageId !== undefined ? { messageId } : {}) },
          headers,
        ),
        priority: definition.priority,
        trigger: { kind: 'mail', sourceId: definition.triggerId },
        ...(definition.placement ? { placement: definition.placement } : {}),
      },
    });
    await this.js.publish(
      subjects.command(definition.tenantId, RequestJob.type),
      encoder.encode(JSON.stringify(command)),
      { msgID: command.id },
    );
  }

  private async lastFire(definition: MailTriggerDefinition): Promise<LastFire | undefined> {
    const subject = subjects.event(definition.tenantId, 'mail-trigger', definition.triggerId);
    const message = await directGet(this.jsm, STREAMS.events, { last_by_subj: subject });
    if (!message) return undefined;
    const parsed = registry.parseBytes(message.data);
    if (!parsed.ok)
      throw new Error(`mail trigger ${definition.triggerId}: unreadable last event: ${parsed.reason}`);
    return { sequence: message.seq, event: parsed.message };
  }
}

/** A message's job variables: the trigger's own, and `mail` describing the message (ADR 52). */
function variablesOf(
  definition: MailTriggerDefinition,
  mail: { uid: number; uidValidity: string; messageId?: string },
  headers: { from?: string; subject?: string },
): JsonObject {
  return { ...definition.variables, mail: { ...mail, mailbox: definition.mailbox, ...headers } };
}

/** One job per trigger and message: the same Message-ID found again names the same job. */
export function jobIdOf(definition: Pick<MailTriggerDefinition, 'triggerId'>, messageId: string): string {
  const digest = createHash('sha256').update(messageId).digest('base64url').slice(0, 32);
  return `mail-${definition.triggerId}-${digest}`;
}

function imapOptions(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol.toLowerCase() === 'imaps:';
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? (secure ? 993 : 143) : Number(parsed.port),
    secure,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
  };
}

/** An error's message without anything that could hold the mailbox's URL. */
function describe(error: unknown): string {
  const e = error as { message?: string; serverResponseCode?: string; code?: string };
  return [e.serverResponseCode ?? e.code, e.message]
    .filter(Boolean)
    .join(': ')
    .replace(/imaps?:\/\/\S+/gi, '***');
}
