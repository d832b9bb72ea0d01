import { WORKFLOW_EVENTS, MessageRegistry, subjects, type FireRefusal } from '@aether/contracts';
import type { EventStore, StoredEvent } from '@aether/event-store';
import { versionToRun, type PublishedVersion } from '@aether/job-domain';
import { validateInputs, workflowNeeds, type FlowNodes, type Workflow } from '@aether/workflow';
import type { WorkflowEvent } from '@aether/contracts';

const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);

/** A published version with what a job of it needs of a robot and its definition. */
export interface KnownVersion extends PublishedVersion {
  readonly definition: Workflow;
}

/**
 * A workflow's published versions, looked up once for all the callers that asked before the
 * lookup was sent: a version published before any of them asked is in its answer. A caller that
 * asks while a lookup is on its way waits for the next one.
 */
export class VersionLookups {
  /** Per workflow subject: versions, valid while the subject's last sequence is unchanged. */
  private readonly cache = new Map<string, CachedVersions>();
  /** Per workflow subject: the lookup callers join until it is sent at the next turn of the event loop. */
  private readonly gathering = new Map<string, Promise<KnownVersion[]>>();

  constructor(private readonly store: EventStore) {}

  published(tenantId: string, workflowId: string): Promise<KnownVersion[]> {
    const subject = subjects.event(tenantId, 'workflow', workflowId);
    let lookup = this.gathering.get(subject);
    if (!lookup) {
      lookup = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.gathering.delete(subject);
        return this.lookUp(subject);
      });
      this.gathering.set(subject, lookup);
    }
    return lookup;
  }

  /**
   * Reading a whole history per job dominated the request handler's cost under load; a version is
   * immutable once published, so one `last_by_subj` lookup tells whether the cached list is
   * still complete, and a version published since is read alone (ADR 136). A version's needs are
   * derived from the node catalog here, once per version.
   */
  private async lookUp(subject: string): Promise<KnownVersion[]> {
    const lastSequence = await this.store.lastSequence(subject);
    const cached = this.cache.get(subject);
    if (cached && cached.lastSequence === lastSequence) return cached.versions;
    const found = (cached && (await this.since(subject, cached, lastSequence))) ?? (await this.all(subject));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(subject, found);
    return found.versions;
  }

  private async all(subject: string): Promise<CachedVersions> {
    const history = await this.store.read(subject, workflowEvents);
    return { lastSequence: history.lastSequence, versions: history.events.map(knownVersion) };
  }

  /** The cached versions and those published since, one get each; none past 16 or at an unreadable one. */
  private async since(
    subject: string,
    cached: CachedVersions,
    lastSequence: number,
  ): Promise<CachedVersions | undefined> {
    const versions = [...cached.versions];
    for (let from = cached.lastSequence + 1, gets = 0; gets < 16; gets++) {
      const commit = await this.store.nextCommit(subject, workflowEvents, from);
      if (!commit || commit.invalid) return undefined;
      versions.push(...commit.events.map(knownVersion));
      if (commit.sequence >= lastSequence) return { lastSequence: commit.sequence, versions };
      from = commit.sequence + 1;
    }
    return undefined;
  }
}

interface CachedVersions {
  readonly lastSequence: number;
  readonly versions: KnownVersion[];
}

const knownVersion = ({ event: { data } }: StoredEvent<WorkflowEvent>): KnownVersion => ({
  version: data.version,
  needs: workflowNeeds(data.definition as FlowNodes),
  definition: data.definition as unknown as Workflow,
});

/** What a trigger's fire may do: request the version checked, or record why it starts no job. */
export type FireCheck =
  | { readonly ok: true; readonly workflowVersion: number }
  | { readonly ok: false; readonly refusal: FireRefusal };

/**
 * Checks a fire's variables against the version its job would run (the one pinned, else the
 * latest), as the gateway's trigger does (ADR 131, 135).
 */
export async function checkFire(
  lookups: VersionLookups,
  tenantId: string,
  workflowId: string,
  workflowVersion: number | undefined,
  variables: Readonly<Record<string, unknown>>,
): Promise<FireCheck> {
  const published = await lookups.published(tenantId, workflowId);
  const pinned = versionToRun(published, workflowVersion);
  if (!pinned)
    return {
      ok: false,
      refusal: {
        reason:
          published.length > 0 && workflowVersion !== undefined
            ? `workflow ${workflowId} has no version ${workflowVersion}`
            : `workflow ${workflowId} not found`,
        problems: [],
      },
    };
  const problems = validateInputs(pinned.definition, variables).slice(0, 100);
  if (problems.length === 0) return { ok: true, workflowVersion: pinned.version };
  return {
    ok: false,
    refusal: {
      workflowVersion: pinned.version,
      reason: `workflow ${workflowId} v${pinned.version} refuses these inputs: ${problems
        .map((problem) => `${problem.path}: ${problem.message}`)
        .join('; ')}`.slice(0, 4000),
      problems,
    },
  };
}
