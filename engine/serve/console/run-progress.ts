/**
 * A run's progress so far, folded from its recorded events: the console's run page is
 * rendered from this on the server (so a reload mid-run shows everything so far), and
 * console.js applies the events that follow with the same rules (its "Run progress"
 * section): resource.started → running, resource.done → done, resource.failed → failed,
 * run.finished → the result; counts are the latest event's.
 *
 * The steps start from the plan the run applies, each pending: the same step ids the
 * executor reports (engine/plan/order.ts: an address, or its destroy step), so the
 * table lists what is still to come, not only what has started.
 */
import { destroyId } from '../../plan/order.js';
import type { RunEvent } from '../../../state/index.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StepProgress {
  /** The executor's step id: the address, or "ADDRESS (destroy)". */
  readonly id: string;
  /** create, update or delete (a replace is a delete step and a create step). */
  action: string;
  status: StepStatus;
  ms?: number;
  error?: string;
}

export interface RunProgress {
  total: number;
  done: number;
  failed: number;
  readonly steps: StepProgress[];
  readonly log: string[];
  /** The last event's seq: where the live stream resumes. */
  lastSeq: number;
  finished?: { status: string; summary: string; text: string };
}

interface JsonChange {
  readonly address: string;
  readonly action: string;
  readonly movedFrom?: string;
}

/** The steps of a plan's JSON rendering, in plan order, as the executor names them. */
export function planSteps(json: unknown): StepProgress[] {
  const changes = typeof json === 'object' && json !== null && Array.isArray((json as { changes?: unknown }).changes) ? ((json as { changes: JsonChange[] }).changes) : [];
  const steps: StepProgress[] = [];
  for (const c of changes) {
    if (c.action === 'create' || c.action === 'update') steps.push({ id: c.address, action: c.action, status: 'pending' });
    else if (c.action === 'delete') steps.push({ id: destroyId(c.address), action: 'delete', status: 'pending' });
    else if (c.action === 'replace') {
      steps.push({ id: destroyId(c.movedFrom ?? c.address), action: 'delete', status: 'pending' });
      steps.push({ id: c.address, action: 'create', status: 'pending' });
    }
  }
  return steps;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Folds `events` (ascending seq) onto `steps`. */
export function foldRun(steps: StepProgress[], events: readonly RunEvent[]): RunProgress {
  const progress: RunProgress = { total: steps.length, done: 0, failed: 0, steps, log: [], lastSeq: 0 };
  const byId = new Map(steps.map((s) => [s.id, s]));
  for (const e of events) {
    progress.lastSeq = e.seq;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(e.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    const total = num(data['total']);
    if (total !== undefined) progress.total = total;
    const done = num(data['done']);
    if (done !== undefined) progress.done = done;
    const failed = num(data['failed']);
    if (failed !== undefined) progress.failed = failed;
    const text = str(data['text']);
    if (text !== undefined && text !== '' && e.type !== 'run.finished') progress.log.push(text);
    const address = str(data['address']);
    if (address !== undefined && e.type.startsWith('resource.')) {
      let step = byId.get(address);
      if (!step) {
        step = { id: address, action: str(data['action']) ?? '', status: 'pending' };
        byId.set(address, step);
        steps.push(step);
      }
      if (str(data['action'])) step.action = str(data['action'])!;
      if (e.type === 'resource.started') step.status = 'running';
      else if (e.type === 'resource.done') step.status = 'done';
      else if (e.type === 'resource.failed') {
        step.status = 'failed';
        const error = str(data['error']);
        if (error !== undefined) step.error = error;
      }
      const ms = num(data['ms']);
      if (ms !== undefined) step.ms = ms;
    }
    if (e.type === 'run.finished') {
      progress.finished = { status: str(data['status']) ?? 'failed', summary: str(data['summary']) ?? '', text: text ?? '' };
    }
  }
  return progress;
}
