import { NotFoundException } from '@nestjs/common';
import { subjects, type WorkflowEvent } from '@aether/contracts';
import type { EventStore, StoredCommit } from '@aether/event-store';
import { versionToRun } from '@aether/job-domain';
import type { Workflow } from '@aether/workflow';
import { workflowEvents } from './publish-workflow';

// Published workflows are read where the scheduler reads them, in the workflow's events: the
// projection may not hold a version published a moment ago. Another tenant's workflow is unknown.
// A read costs a bounded number of direct gets however many versions there are (ADR 136).

/** @throws NotFoundException naming the workflow when the tenant never published it. */
export async function requirePublishedWorkflow(
  store: Pick<EventStore, 'lastSequence'>,
  tenantId: string,
  workflowId: string,
): Promise<void> {
  if ((await store.lastSequence(subjects.event(tenantId, 'workflow', workflowId))) === 0)
    throw new NotFoundException(`workflow ${workflowId} not found`);
}

interface Published {
  readonly version: number;
  readonly definition: Workflow;
}

type Commits = Pick<EventStore, 'lastCommit' | 'nextCommit'>;

/**
 * The version a job asking for `version` runs, picked as the scheduler picks it (absent: the latest).
 * The latest is the subject's last message; an older version asked for is found in at most
 * ⌈log2 s⌉ + 1 more gets, s the latest's stream sequence (ADR 136).
 * @throws NotFoundException naming the workflow (and the version asked for).
 */
export async function publishedVersionToRun(
  store: Commits,
  tenantId: string,
  workflowId: string,
  version: number | undefined,
): Promise<{ readonly version: number; readonly definition: Workflow }> {
  const subject = subjects.event(tenantId, 'workflow', workflowId);
  const last = await store.lastCommit(subject, workflowEvents);
  if (!last) throw new NotFoundException(`workflow ${workflowId} not found`);
  const latest = published(last);
  const older =
    version !== undefined && version < latest.version
      ? await olderVersion(store, subject, version, last.sequence)
      : undefined;
  const pinned = versionToRun(older ? [older, latest] : [latest], version);
  if (!pinned) throw new NotFoundException(`workflow ${workflowId} has no version ${version}`);
  return pinned;
}

/**
 * `version`, published before stream sequence `before`. Versions grow with the sequence, so a
 * low version is walked to from the first message (one get per version) and any other is
 * bisected on the sequence, whichever takes fewer gets.
 */
async function olderVersion(
  store: Commits,
  subject: string,
  version: number,
  before: number,
): Promise<Published | undefined> {
  const probes = Math.ceil(Math.log2(before)) + 1;
  if (version <= probes) {
    for (let from = 1; ;) {
      const commit = await store.nextCommit(subject, workflowEvents, from);
      if (!commit || commit.sequence >= before) return undefined;
      const found = published(commit);
      if (found.version >= version) return found.version === version ? found : undefined;
      from = commit.sequence + 1;
    }
  }
  let [low, high] = [1, before - 1];
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const commit = await store.nextCommit(subject, workflowEvents, middle);
    if (!commit || commit.sequence > high) {
      high = middle - 1; // no message of the workflow in middle..high
      continue;
    }
    const found = published(commit);
    if (found.version === version) return found;
    if (found.version < version) low = commit.sequence + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** @throws Error when the message does not hold a valid publication: a version must not be skipped silently. */
function published(commit: StoredCommit<WorkflowEvent>): Published {
  const event = commit.events.at(-1)?.event;
  if (!event)
    throw new Error(
      `${commit.invalid?.subject} @${commit.sequence} is unreadable: ${commit.invalid?.reason}`,
    );
  return { version: event.data.version, definition: event.data.definition as unknown as Workflow };
}
