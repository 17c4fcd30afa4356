/**
 * Two real node processes contend for the lock of one state file: what users rely on
 * when two pipelines apply at once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { currentLock, openState } from '../../state/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');

interface Step {
  readonly event: 'acquired' | 'created' | 'found' | 'released' | 'refused';
  readonly at: number;
  readonly pid: number;
  readonly id?: string;
  readonly reason?: string;
  readonly message?: string;
}

interface Contender {
  readonly pid: number;
  /** Resolves with the first step of this kind (rejects if the process ends first). */
  step(event: Step['event']): Promise<Step>;
  readonly done: Promise<{ code: number | null; steps: Step[]; stderr: string }>;
}

function contend(state: string, timeoutMs: number, holdMs: number, mode?: 'create-once'): Contender {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'hold.ts'), state, String(timeoutMs), String(holdMs), ...(mode ? [mode] : [])], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const steps: Step[] = [];
  const waiters: Array<() => void> = [];
  let out = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      steps.push(JSON.parse(out.slice(0, nl)) as Step);
      out = out.slice(nl + 1);
    }
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const done = new Promise<{ code: number | null; steps: Step[]; stderr: string }>((ok) => {
    child.on('close', (code) => {
      for (const w of waiters) w();
      ok({ code, steps, stderr });
    });
  });
  let ended = false;
  void done.then(() => void (ended = true));
  return {
    pid: child.pid!,
    done,
    step: (event) => new Promise((ok, fail) => {
      const check = (): void => {
        const found = steps.find((s) => s.event === event);
        if (found) ok(found);
        else if (ended || child.exitCode !== null) fail(new Error(`process ended without ${event}: ${JSON.stringify(steps)}\n${stderr}`));
      };
      waiters.push(check);
      check();
    }),
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newStateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-lock2-'));
  dirs.push(dir);
  const path = join(dir, 'state.db');
  openState(path).close();
  return path;
}

describe('two processes, one state', () => {
  it('refuses the second at once with timeout 0 naming the first, and lets it in after waiting longer than the hold', async () => {
    const state = newStateFile();
    const holdMs = 1_500;
    const first = contend(state, 0, holdMs);
    const acquired = await first.step('acquired');

    const impatient = await contend(state, 0, 0).done;
    expect(impatient.code, impatient.stderr).toBe(3);
    const refused = impatient.steps.find((s) => s.event === 'refused');
    expect(refused?.reason).toBe('held');
    expect(refused?.message).toMatch(new RegExp(
      `^state is locked by \\S+@\\S+ \\(pid ${first.pid}, "netfirst apply hold"\\) since \\S+Z, last heartbeat \\d+s ago; lock ID ${acquired.id}$`,
    ));

    const patient = contend(state, 10_000, 0);
    const [firstRun, patientRun] = await Promise.all([first.done, patient.done]);
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(patientRun.code, patientRun.stderr).toBe(0);
    const released = firstRun.steps.find((s) => s.event === 'released')!;
    const patientGot = patientRun.steps.find((s) => s.event === 'acquired')!;
    expect(patientGot.id).not.toBe(acquired.id);
    expect(patientGot.at).toBeGreaterThanOrEqual(released.at);
    expect(currentLock({ path: state })).toBeUndefined();
  });

  it('lets only one of two simultaneous runs create what neither found recorded', async () => {
    const state = newStateFile();
    const runs = await Promise.all([contend(state, 10_000, 500, 'create-once').done, contend(state, 10_000, 500, 'create-once').done]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const outcomes = runs.map((r) => r.steps.find((s) => s.event === 'created' || s.event === 'found')?.event).sort();
    expect(outcomes).toEqual(['created', 'found']);

    const check = openState(state);
    try {
      expect([...check.events()].map((e) => `${e.action} ${e.address}`)).toEqual(['create acme/network/office']);
      expect(check.pendingOperations()).toEqual([]);
      expect(check.serial()).toBe(1);
    } finally {
      check.close();
    }
    expect(currentLock({ path: state })).toBeUndefined();
  });
});
