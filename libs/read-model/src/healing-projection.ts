import type { EntityManager } from 'typeorm';
import type { HealingEvent, MessageOf, SelectorHealed, SelectorPatch } from '@aether/contracts';

/** Tables the healing events own; emptied with the rest of the projection on a rebuild. */
export const HEALING_TABLES = ['selectors', 'selector_heals', 'heal_proposals'] as const;

/**
 * Selector, proposal and heal events, applied inside the job projection's transaction so they
 * share its checkpoint. Timestamps come from the events.
 */
export async function applyHealingEvent(
  tx: EntityManager,
  sequence: number,
  event: HealingEvent | MessageOf<typeof SelectorHealed>,
): Promise<void> {
  const at = event.occurredAt;
  switch (event.type) {
    case 'FingerprintRecorded':
      // Recorded again in a newer format (ADR 126): the selector's fingerprint is as of then.
      await tx.query(
        `INSERT INTO selectors (tenant_id, selector_key, workflow_id, node_id, selector, recorded_at, heal_count)
         VALUES ($1, $2, $3, $4, $5, $6, 0)
         ON CONFLICT (tenant_id, selector_key) DO UPDATE SET recorded_at = GREATEST(selectors.recorded_at, EXCLUDED.recorded_at)`,
        [
          event.tenantId,
          event.data.selectorKey,
          event.data.workflowId,
          event.data.nodeId,
          event.data.selector,
          at,
        ],
      );
      return;
    case 'SelectorFragilityRated':
      await tx.query(
        `UPDATE selectors SET fragility_score = $3, fragility_reasons = $4, suggestion = $5
         WHERE tenant_id = $1 AND selector_key = $2`,
        [
          event.tenantId,
          event.data.selectorKey,
          event.data.score,
          JSON.stringify(event.data.reasons),
          event.data.suggestion ?? null,
        ],
      );
      return;
    case 'SelectorHealReported':
      // The healer's copy; the heal is projected from the job's own `SelectorHealed`.
      return;
    case 'SelectorHealed': {
      const d = event.data;
      await tx.query(
        `INSERT INTO selector_heals (tenant_id, job_id, sequence, step_key, node_id, workflow_id, workflow_version,
                                     selector_key, previous_selector, healed_selector, problem, tier, confidence, margin,
                                     runner_up, elapsed_ms, applied, screenshot_ref, healed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          event.aggregateId,
          sequence,
          d.stepKey,
          d.nodeId,
          d.workflowId,
          d.workflowVersion,
          d.selectorKey,
          d.previousSelector,
          d.healedSelector,
          d.problem,
          d.tier,
          d.confidence,
          d.margin,
          d.runnerUp ? JSON.stringify(d.runnerUp) : null,
          d.elapsedMs,
          d.applied,
          d.screenshotRef ?? null,
          at,
        ],
      );
      await tx.query(
        `UPDATE selectors SET heal_count = heal_count + 1, last_healed_at = $3, last_healed_selector = $4
         WHERE tenant_id = $1 AND selector_key = $2`,
        [event.tenantId, d.selectorKey, at, d.healedSelector],
      );
      return;
    }
    case 'SelectorPatchProposed': {
      const rows: { patches: SelectorPatch[] }[] = await tx.query(
        'SELECT patches FROM heal_proposals WHERE tenant_id = $1 AND proposal_id = $2',
        [event.tenantId, event.aggregateId],
      );
      const patch = event.data.patch;
      if (rows.length === 0) {
        await tx.query(
          `INSERT INTO heal_proposals (tenant_id, proposal_id, workflow_id, workflow_version, status, patches,
                                       created_at, updated_at, last_sequence)
           VALUES ($1, $2, $3, $4, 'open', $5, $6, $6, $7)`,
          [
            event.tenantId,
            event.aggregateId,
            event.data.workflowId,
            event.data.workflowVersion,
            JSON.stringify([patch]),
            at,
            sequence,
          ],
        );
        return;
      }
      const patches = [...rows[0].patches.filter((p) => p.nodeId !== patch.nodeId), patch];
      await tx.query(
        `UPDATE heal_proposals SET patches = $3, updated_at = $4, last_sequence = $5 WHERE tenant_id = $1 AND proposal_id = $2`,
        [event.tenantId, event.aggregateId, JSON.stringify(patches), at, sequence],
      );
      return;
    }
    case 'HealProposalApproved':
      await tx.query(
        `UPDATE heal_proposals SET status = 'approved', new_version = $3, note = $4, decided_at = $5, updated_at = $5,
                                   last_sequence = $6
         WHERE tenant_id = $1 AND proposal_id = $2`,
        [event.tenantId, event.aggregateId, event.data.newVersion, event.data.note ?? null, at, sequence],
      );
      return;
    case 'HealProposalRejected':
      await tx.query(
        `UPDATE heal_proposals SET status = 'rejected', note = $3, decided_at = $4, updated_at = $4, last_sequence = $5
         WHERE tenant_id = $1 AND proposal_id = $2`,
        [event.tenantId, event.aggregateId, event.data.note ?? null, at, sequence],
      );
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
