/**
 * Progress of a real apply over Server-Sent Events, and what a server that stops
 * mid-run leaves behind. The sim zone answers each call after 200ms here (600ms where
 * the server is stopped), so an apply takes a second or more and there is always
 * something in flight to drop, cancel, kill or drain.
 * A client that reconnects with Last-Event-ID misses nothing and sees nothing twice; a
 * run cut short by SIGKILL is reported interrupted after the restart and the next plan
 * converges; SIGTERM lets operations in flight finish and be recorded, exits 0, and
 * leaves no lease.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, expectNoLeaks, labs, readEvents, waitFor, type Json, type Lab, type Server, type SseEvent, type Token } from './harness.js';

/** examples/iswest with the sim zone at `latency` a call. */
const slowZone = (latency: string) => (read: (file: string) => string): Record<string, string> => {
  const zone = read('zone.yaml');
  const slow = zone.replace('provider: { type: sim, latency: 5ms }', `provider: { type: sim, latency: ${latency} }`);
  if (slow === zone) throw new Error('zone.yaml of examples/iswest no longer sets the sim latency where this test expects it');
  return { 'zone.yaml': slow };
};
/**
 * The servers stopped mid-run get 600ms a call: SIGTERM must land while the VMs are in
 * flight and before their disks start, and on a loaded CI machine 200ms is too close.
 */
const STOP_LATENCY = '600ms';

const seqs = (events: readonly SseEvent[]): number[] => events.map((e) => Number(e.id));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Plans `tenants`, approves, starts the run; answers the plan and the run as POST gave them. */
async function startApply(server: Server, token: Token, tenants: string[]): Promise<{ plan: Json; run: Json }> {
  const plan = await server.api('POST', '/api/v1/plans', { token, body: { tenants } });
  expect(plan.status, plan.text).toBe(201);
  expect((await server.api('POST', `/api/v1/plans/${plan.json.id}/approve`, { token })).status).toBe(200);
  const run = await server.api('POST', '/api/v1/runs', { token, body: { plan: plan.json.id } });
  expect(run.status, run.text).toBe(202);
  return { plan: plan.json, run: run.json };
}

/** Every resource started was also done (or failed) before the run finished, and the counts add up. */
function expectWhole(events: readonly SseEvent[]): void {
  const started = events.filter((e) => e.event === 'resource.started').map((e) => e.json.address as string);
  const ended = events.filter((e) => e.event === 'resource.done' || e.event === 'resource.failed').map((e) => e.json.address as string);
  expect(new Set(started).size).toBe(started.length);
  expect([...ended].sort()).toEqual([...started].sort());
  ended.forEach((_, i) => expect(events.filter((e) => e.event === 'resource.done' || e.event === 'resource.failed')[i]!.json.done).toBe(i + 1));
}

describe('netfirst serve: a run streamed as Server-Sent Events', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let op: Token;

  beforeAll(async () => {
    l = lab({ edit: slowZone('200ms') });
    [op] = await Promise.all([l.token('operator')]);
    server = await l.serve();
  });

  it('shows run.started, every resource started and done with counts, and run.finished succeeded', async () => {
    const { plan, run } = await startApply(server, op, ['acme-dental']);
    const stream = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op });
    const events = await readEvents(stream);
    // The stream ends by itself after run.finished.
    expect(events.at(-1)?.event).toBe('run.finished');

    expect(seqs(events)).toEqual(range(1, events.length));
    const total = plan.summary.add;
    expect(total).toBe(10);
    expect(events[0]).toMatchObject({ event: 'run.started', json: { runId: run.id, planId: plan.id, total } });
    const started = events.filter((e) => e.event === 'resource.started');
    const done = events.filter((e) => e.event === 'resource.done');
    expect(started).toHaveLength(total);
    expect(done).toHaveLength(total);
    expect(new Set(done.map((e) => e.json.address))).toEqual(new Set(started.map((e) => e.json.address)));
    for (const e of [...started, ...done]) {
      expect(e.json).toMatchObject({ address: expect.stringMatching(/^acme-dental\//), action: 'create', total, failed: 0, text: expect.any(String) });
    }
    expect(done.map((e) => e.json.done)).toEqual(range(1, total));
    expect(done.every((e) => /Creation complete/.test(e.json.text))).toBe(true);
    expect(events.at(-1)!.json).toMatchObject({ status: 'succeeded', done: total, failed: 0, total });
    expectWhole(events);
    expect((await server.api('GET', `/api/v1/runs/${run.id}`, { token: op })).json.status).toBe('succeeded');
  });

  it('resumes after a dropped connection with Last-Event-ID: no event twice, none missing', async () => {
    const { run } = await startApply(server, op, ['baker-law']);
    const first = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op });
    const before = await readEvents(first, (e) => e.event === 'resource.done');
    first.close();
    const lastId = before.at(-1)!.id!;
    // Events go on being made while nobody listens.
    await new Promise((w) => setTimeout(w, 700));
    const second = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op, lastEventId: lastId });
    const after = await readEvents(second);

    expect(Number(after[0]!.id)).toBe(Number(lastId) + 1);
    const all = [...before, ...after];
    expect(seqs(all)).toEqual(range(1, all.length));
    expect(all.at(-1)).toMatchObject({ event: 'run.finished', json: { status: 'succeeded' } });
    expectWhole(all);
    // The same history, read whole afterwards, is what the two halves were.
    const whole = await readEvents(await server.sse(`/api/v1/runs/${run.id}/events`, { token: op }));
    expect(whole.map((e) => [e.id, e.event, e.data])).toEqual(all.map((e) => [e.id, e.event, e.data]));
  });

  it('POST /runs/{id}/cancel stops a running run: in-flight operations finish, it ends cancelled', async () => {
    const { run } = await startApply(server, op, ['cole-accounting']);
    const stream = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op });
    const head = await readEvents(stream, (e) => e.event === 'resource.started');
    const cancelled = await server.api('POST', `/api/v1/runs/${run.id}/cancel`, { token: op });
    expect(cancelled.status, cancelled.text).toBe(202);
    expect(cancelled.json.id).toBe(run.id);
    const rest = await readEvents(stream);
    const all = [...head, ...rest];
    expect(all.at(-1)).toMatchObject({ event: 'run.finished', json: { status: 'cancelled' } });
    expect(all.at(-1)!.json.done).toBeLessThan(all[0]!.json.total);
    expectWhole(all);
    const ended = await waitFor(server, `/api/v1/runs/${run.id}`, op, (r) => r.status !== 'running');
    expect(ended.status).toBe('cancelled');
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});

describe('netfirst serve: a server stopped mid-run', () => {
  const lab = labs();

  it('SIGKILL, restart on the same state and specs: the run is interrupted, and the next apply converges', async () => {
    const l = lab({ edit: slowZone(STOP_LATENCY) });
    const op = await l.token('operator');
    const server = await l.serve();
    const { run } = await startApply(server, op, ['acme-dental']);
    const stream = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op });
    // Killed with the VMs, the VPN and its user in flight.
    await readEvents(stream, (e) => e.event === 'resource.started' && e.json.running >= 3);
    await server.kill();
    stream.close();

    const again = await l.serve();
    const shown = await again.api('GET', `/api/v1/runs/${run.id}`, { token: op });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json).toMatchObject({ id: run.id, status: 'interrupted', finishedAt: expect.any(String) });
    const events = await readEvents(await again.sse(`/api/v1/runs/${run.id}/events`, { token: op }));
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(events.at(-1)).toMatchObject({ event: 'run.finished', json: { status: 'interrupted' } });
    expect((await again.api('GET', '/api/v1/runs?status=interrupted', { token: op })).json.items.map((r: Json) => r.id)).toEqual([run.id]);

    const { run: recovery } = await applyPlan(again, op, { tenants: ['acme-dental'] });
    expect(recovery.status, recovery.summary).toBe('succeeded');
    const after = await again.api('POST', '/api/v1/plans', { token: op, body: { tenants: ['acme-dental'] } });
    expect(after.status, after.text).toBe(201);
    expect(after.json.hasChanges, after.json.renderings.text).toBe(false);
    expect((await again.api('GET', '/api/v1/tenants/acme-dental', { token: op })).json.resources).toBe(10);
    expectNoLeaks(again, l);
  });

  it('SIGTERM: exits 0, the run ends interrupted with the operations in flight recorded, no lease is left', async () => {
    const l = lab({ edit: slowZone(STOP_LATENCY) });
    const op = await l.token('operator');
    const server = await l.serve();
    const { run } = await startApply(server, op, ['acme-dental']);
    const stream = await server.sse(`/api/v1/runs/${run.id}/events`, { token: op });
    // SIGTERM while the VMs, the VPN and its user are in flight: their disks are still to come.
    const head = await readEvents(stream, (e) => e.event === 'resource.started' && e.json.running >= 3);
    const exit = server.stop();
    // The open stream is told how the run ended before the server closes it.
    const rest = await readEvents(stream);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toMatch(/SIGTERM: draining/);

    const all = [...head, ...rest];
    expect(seqs(all)).toEqual(range(1, all.length));
    expect(all.at(-1)).toMatchObject({ event: 'run.finished', json: { status: 'interrupted' } });
    // What was in flight when SIGTERM came finished and was recorded; what had not started never did.
    expectWhole(all);
    const startedBefore = head.filter((e) => e.event === 'resource.started').length;
    expect(all.filter((e) => e.event === 'resource.done').length).toBeGreaterThanOrEqual(startedBefore);
    expect(all.at(-1)!.json.done).toBeLessThan(all[0]!.json.total);
    const done = all.filter((e) => e.event === 'resource.done').map((e) => e.json.address as string).sort();
    const [listed, lock] = await Promise.all([l.cli('state', 'list', '--json'), l.cli('state', 'lock', '--json')]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { address: string }[]).map((r) => r.address).sort()).toEqual(done);
    expect(lock.code, lock.stderr).toBe(0);
    expect(JSON.parse(lock.stdout)).toEqual([]);

    const again = await l.serve();
    expect((await again.api('GET', `/api/v1/runs/${run.id}`, { token: op })).json.status).toBe('interrupted');
    expectNoLeaks(server, l);
  });
});
