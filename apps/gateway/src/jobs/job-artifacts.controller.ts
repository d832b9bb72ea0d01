import { Controller, Get, Inject, NotFoundException, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { JetStreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import {
  AggregateIdSchema,
  JOB_EVENTS,
  MessageRegistry,
  OBJECT_BUCKETS,
  artifactsBucket,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { parseArtifactRef, readObject } from '@aether/kv-state';
import { EVENT_STORE, JETSTREAM_MANAGER } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
export const ArtifactQuery = z.object({ ref: z.string().startsWith('obj://').max(2000) }).strict();

/** What a browser is told an artifact is: a DOM snapshot is text to read, never a page to run. */
const MEDIA_TYPES: Record<string, string> = {
  screenshot: 'image/png',
  dom: 'text/plain; charset=utf-8',
};

/** The artifacts a job's events name (failed and stalled steps' screenshots and DOM snapshots, heal crops), by ref. */
export function artifactsOf(events: readonly JobEvent[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'StepFailed' || event.type === 'StepStalled')
      for (const { kind, ref } of event.data.artifacts ?? []) found.set(ref, kind);
    if (event.type === 'SelectorHealed' && event.data.screenshotRef)
      found.set(event.data.screenshotRef, 'screenshot');
  }
  return found;
}

/**
 * A step's stored artifact, by the reference its job's events carry: only a reference one of the
 * tenant's own job events names is served, so the tenant comes from the job, not from the ref, and
 * only from the tenant's own bucket — or the shared one artifacts were kept in before ADR 76.
 */
@Controller('api/v1/jobs')
export class JobArtifactsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {}

  @Get(':jobId/artifact')
  async artifact(
    @Tenant() tenantId: string,
    @Param('jobId') jobId: string,
    @Query() query: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const { ref } = parseOr400(ArtifactQuery, query, 'query');
    const history = await this.store.read(
      subjects.event(tenantId, 'job', parseOr400(AggregateIdSchema, jobId, 'jobId')),
      jobEvents,
    );
    const kind = artifactsOf(history.events.map(({ event }) => event)).get(ref);
    const parsed = parseArtifactRef(ref);
    if (!kind || !parsed || ![artifactsBucket(tenantId), OBJECT_BUCKETS.artifacts].includes(parsed.bucket))
      throw new NotFoundException(`job ${jobId} has no artifact ${ref}`);
    const bytes = await readObject(this.jsm, parsed.bucket, parsed.name);
    if (!bytes) throw new NotFoundException(`artifact ${ref} is gone (kept 30 days)`);
    res.setHeader('content-type', MEDIA_TYPES[kind] ?? 'application/octet-stream');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "sandbox; default-src 'none'");
    res.setHeader('cache-control', 'private, max-age=3600');
    res.end(Buffer.from(bytes));
  }
}
