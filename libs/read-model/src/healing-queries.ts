import type { DataSource } from 'typeorm';
import {
  HealProposalRow,
  SelectorHealRow,
  SelectorRow,
  type HealProposalStatus,
} from './entities/healing.entities';

export interface HealProposalView {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: HealProposalStatus;
  patches: Record<string, unknown>[];
  createdAt: string;
  updatedAt: string;
  decidedAt: string | null;
  newVersion: number | null;
  note: string | null;
}

export interface SelectorView {
  selectorKey: string;
  workflowId: string;
  nodeId: string;
  selector: string;
  fragility: {
    score: number;
    reasons: { code: string; message: string }[];
    suggestion: string | null;
  } | null;
  /** When the fingerprint in force was recorded: the newest record, a format upgrade included (ADR 126). */
  recordedAt: string;
  healCount: number;
  lastHealedAt: string | null;
  lastHealedSelector: string | null;
}

export interface SelectorHealView {
  jobId: string;
  stepKey: string;
  nodeId: string;
  workflowId: string;
  workflowVersion: number;
  previousSelector: string;
  healedSelector: string;
  problem: string;
  tier: number;
  confidence: number;
  margin: number;
  runnerUp: { selector: string; confidence: number } | null;
  elapsedMs: number;
  applied: boolean;
  screenshotRef: string | null;
  healedAt: string;
}

/** Read-side queries for self-healing; tenant-scoped by construction. */
export class HealingQueries {
  constructor(private readonly dataSource: DataSource) {}

  async proposals(
    tenantId: string,
    options: { status?: HealProposalStatus; workflowId?: string; limit?: number } = {},
  ): Promise<HealProposalView[]> {
    const rows = await this.dataSource.getRepository(HealProposalRow).find({
      where: {
        tenantId,
        ...(options.status ? { status: options.status } : {}),
        ...(options.workflowId ? { workflowId: options.workflowId } : {}),
      },
      order: { updatedAt: 'DESC' },
      take: Math.min(options.limit ?? 100, 1000),
    });
    return rows.map(proposalView);
  }

  async proposal(tenantId: string, proposalId: string): Promise<HealProposalView | undefined> {
    const row = await this.dataSource.getRepository(HealProposalRow).findOneBy({ tenantId, proposalId });
    return row ? proposalView(row) : undefined;
  }

  async selectors(
    tenantId: string,
    options: { workflowId?: string; limit?: number } = {},
  ): Promise<SelectorView[]> {
    const rows = await this.dataSource.getRepository(SelectorRow).find({
      where: { tenantId, ...(options.workflowId ? { workflowId: options.workflowId } : {}) },
      order: { healCount: 'DESC', recordedAt: 'DESC' },
      take: Math.min(options.limit ?? 100, 1000),
    });
    return rows.map((row) => ({
      selectorKey: row.selectorKey,
      workflowId: row.workflowId,
      nodeId: row.nodeId,
      selector: row.selector,
      fragility:
        row.fragilityScore === null
          ? null
          : { score: row.fragilityScore, reasons: row.fragilityReasons ?? [], suggestion: row.suggestion },
      recordedAt: row.recordedAt.toISOString(),
      healCount: row.healCount,
      lastHealedAt: row.lastHealedAt?.toISOString() ?? null,
      lastHealedSelector: row.lastHealedSelector,
    }));
  }

  async heals(
    tenantId: string,
    options: { jobId?: string; workflowId?: string; limit?: number } = {},
  ): Promise<SelectorHealView[]> {
    const rows = await this.dataSource.getRepository(SelectorHealRow).find({
      where: {
        tenantId,
        ...(options.jobId ? { jobId: options.jobId } : {}),
        ...(options.workflowId ? { workflowId: options.workflowId } : {}),
      },
      order: { healedAt: 'DESC', sequence: 'DESC' },
      take: Math.min(options.limit ?? 100, 1000),
    });
    return rows.map((row) => ({
      jobId: row.jobId,
      stepKey: row.stepKey,
      nodeId: row.nodeId,
      workflowId: row.workflowId,
      workflowVersion: row.workflowVersion,
      previousSelector: row.previousSelector,
      healedSelector: row.healedSelector,
      problem: row.problem,
      tier: row.tier,
      confidence: row.confidence,
      margin: row.margin,
      runnerUp: row.runnerUp,
      elapsedMs: row.elapsedMs,
      applied: row.applied,
      screenshotRef: row.screenshotRef,
      healedAt: row.healedAt.toISOString(),
    }));
  }
}

function proposalView(row: HealProposalRow): HealProposalView {
  return {
    id: row.proposalId,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    status: row.status,
    patches: row.patches,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    newVersion: row.newVersion,
    note: row.note,
  };
}
