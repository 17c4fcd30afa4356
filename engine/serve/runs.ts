/**
 * Runs in flight: each apply the API starts runs in this process, and every step of its
 * progress is an event written to the state (so a client that drops its connection
 * resumes from `Last-Event-ID`, and a restarted server still has the history) and handed
 * at once to the clients streaming it. SIGTERM drains: no new runs, running ones stop at
 * their next checkpoint (operations in flight finish and are recorded), then it resolves.
 */
import { EventEmitter } from 'node:events';
import type { Colors } from 'picocolors/types.js';
import picocolors from 'picocolors';
import type { ApplyReporter } from '../apply/execute.js';
import { createProgressReporter } from '../apply/progress.js';
import { messageOf } from '../apply/execute.js';
import type { RunEvent, RunRecord, RunStatus, StateStore } from '../../state/index.js';

/** What a run reports when it ends. */
export interface RunEnd {
  readonly status: Exclude<RunStatus, 'running'>;
  /** One line: "1 added, 0 changed, 0 replaced, 0 destroyed in 1.2s". */
  readonly summary: string;
  /** The closing lines the CLI prints ("Apply complete! …", failures), without colour. */
  readonly text: string;
}

/** Executes a run: reports progress through `reporter`, stops starting new work once `signal` aborts. */
export type RunBody = (reporter: ApplyReporter, signal: AbortSignal) => Promise<RunEnd>;

const PLAIN: Colors = picocolors.createColors(false);

interface Active {
  readonly abort: AbortController;
  readonly done: Promise<void>;
  cancelled: boolean;
}

export class RunManager {
  private readonly active = new Map<string, Active>();
  private readonly bus = new EventEmitter();
  private stopping = false;

  constructor(
    private readonly store: Pick<StateStore, 'insertRun' | 'appendRunEvent' | 'finishRun' | 'getRun'>,
    private readonly now: () => Date,
    /** This server process: runs it finds 'running' under another instance were cut short. */
    readonly instance: string,
  ) {
    this.bus.setMaxListeners(0);
  }

  get draining(): boolean {
    return this.stopping;
  }

  /** Records the run and starts `body` without waiting for it. */
  start(record: RunRecord, total: number, body: RunBody): RunRecord {
    this.store.insertRun(record);
    const abort = new AbortController();
    const emit = (type: string, data: Record<string, unknown>): void => {
      const at = this.now();
      // `at` in the data too: a client measures how long an outcome took to reach it.
      const event = this.store.appendRunEvent(record.id, type, { ...data, at: at.toISOString() }, at);
      this.bus.emit(record.id, event);
    };
    // The CLI's own progress lines travel in every event, so a remote CLI prints exactly them.
    let line = '';
    const lines = createProgressReporter({ out: { write: (s: string) => ((line += s), true) } as unknown as NodeJS.WritableStream, colors: PLAIN, total });
    const takeLine = (): string => {
      const out = line.replace(/\n$/, '');
      line = '';
      return out;
    };
    let done = 0;
    let failed = 0;
    let running = 0;
    const reporter: ApplyReporter = {
      started(id, step) {
        running++;
        lines.started(id, step);
        emit('resource.started', { address: id, action: step.kind, done, failed, running, total, text: takeLine() });
      },
      finished(id, step, ms, error) {
        running--;
        done++;
        if (error) failed++;
        lines.finished(id, step, ms, error);
        emit(error ? 'resource.failed' : 'resource.done', { address: id, action: step.kind, ms: Math.round(ms), done, failed, running, total, ...(error ? { error: messageOf(error) } : {}), text: takeLine() });
      },
      retrying(id, attempt, delayMs, error) {
        lines.retrying?.(id, attempt, delayMs, error);
        emit('resource.retrying', { address: id, attempt, delayMs, error: messageOf(error), text: takeLine() });
      },
    };
    emit('run.started', { runId: record.id, planId: record.planId, total });
    const entry: Active = { abort, cancelled: false, done: Promise.resolve() };
    const finish = (end: RunEnd): void => {
      // Stopped before the end: by its caller (cancelled) or by the server draining (interrupted).
      const stopped = abort.signal.aborted && end.status !== 'succeeded';
      const status: RunEnd['status'] = stopped ? (entry.cancelled ? 'cancelled' : 'interrupted') : end.status;
      this.store.finishRun(record.id, status, end.summary, this.now());
      emit('run.finished', { status, summary: end.summary, done, failed, total, text: end.text });
    };
    const run = async (): Promise<void> => {
      let end: RunEnd;
      try {
        end = await body(reporter, abort.signal);
      } catch (error) {
        end = { status: 'failed', summary: messageOf(error), text: `Error: ${messageOf(error)}` };
      }
      try {
        finish(end);
      } catch (error) {
        process.stderr.write(`netfirst serve: run ${record.id}: recording its end failed: ${messageOf(error)}\n`);
      } finally {
        this.active.delete(record.id);
      }
    };
    this.active.set(record.id, entry);
    Object.assign(entry, { done: run() });
    return this.store.getRun(record.id) ?? record;
  }

  /** Asks a running run to stop at its next checkpoint; false when it is not running here. */
  cancel(runId: string): boolean {
    const entry = this.active.get(runId);
    if (!entry) return false;
    entry.cancelled = true;
    entry.abort.abort();
    return true;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Calls `listener` with every event of `runId` from now on; returns the unsubscribe. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    this.bus.on(runId, listener);
    return () => this.bus.off(runId, listener);
  }

  /** No new runs; every running one stops at its next checkpoint; resolves when all have ended. */
  async drain(): Promise<void> {
    this.stopping = true;
    for (const entry of this.active.values()) entry.abort.abort();
    await Promise.all([...this.active.values()].map((e) => e.done));
  }
}
