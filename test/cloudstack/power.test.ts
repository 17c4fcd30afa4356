/**
 * A VM's `power` through the cloudstack provider against the endpoint
 * (providers/cloudstack/server, in this process): a VM wanted stopped is deployed with
 * startvm=false, a change of power is stopVirtualMachine or startVirtualMachine (async
 * jobs like the others), a resize of a stopped VM leaves it stopped, and reads take
 * power from CloudStack's `state`, so a VM started outside netfirst reads as running.
 */
import { describe, expect, it } from 'vitest';
import { updateNote } from '../../providers/capabilities.js';
import type { Desired, Observed, Provider, Recorded } from '../../providers/contract.js';
import type { CloudStackApi } from '../../providers/cloudstack/provider.js';
import { desired, endpointForSuite, ZONE } from './endpoint.js';

const endpoint = endpointForSuite({ jobDelayMs: 2 });
const endpointApi = endpoint.api;

/** A provider whose every command (with its parameters) is written to `commands`, in order. */
function recordingProvider(commands: string[]): Provider {
  const api = endpointApi();
  const note = (command: string, params: Readonly<Record<string, unknown>>): void => {
    if (!command.startsWith('list') && !command.endsWith('Tags')) commands.push(`${command}${'startvm' in params ? ` startvm=${String(params['startvm'])}` : ''}`);
  };
  const recording: CloudStackApi = {
    call: (command, params) => (note(command, params), api.call(command, params)),
    list: (command, params) => api.list(command, params),
    start: (command, params) => (note(command, params), api.start(command, params)),
    wait: (jobId) => api.wait(jobId),
  };
  return endpoint.provider(recording);
}


let lastVlan = 100;
let lastNet = 0;
/** A tenant of its own with one network, and the desired VM on it. */
async function tenantWithNetwork(provider: Provider, tenant: string): Promise<(o: { power: 'running' | 'stopped'; cpu?: number }) => Desired> {
  const third = ++lastNet;
  const net = await provider.create(desired(tenant, 'network', 'office', {
    name: 'office', cidr: `10.2.${third}.0/24`, gateway: `10.2.${third}.1`, segment: { type: 'vlan', id: ++lastVlan }, sourceNatIp: null, colocationHandoff: null,
  }));
  return ({ power, cpu = 1 }) => desired(tenant, 'vm', 'web-1', {
    name: 'web-1', hypervisor: 'kvm', cluster: 'kvm-a', cpu, memoryMiB: 1024, template: 'ubuntu-24.04',
    nics: [{ network: `${tenant}/network/office`, ip: `10.2.${third}.10` }], rootDisk: { sizeGiB: 20, tier: 'fast' }, power,
  }, { [`${tenant}/network/office`]: net.providerId });
}

const recordedOf = (o: Observed): Recorded => ({ ...o, zone: ZONE });

/** CloudStack's own word for the VM's state. */
async function cloudstackState(id: string): Promise<string> {
  for await (const vm of endpointApi().list('listVirtualMachines', { id, projectid: -1, listall: true })) return String(vm['state']);
  return '(gone)';
}

/** What a refresh reads of the tenant's VMs: address → power. */
async function readPower(provider: Provider, tenant: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for await (const o of provider.list!('vm', { zone: ZONE, tenant })) out[o.address] = o.attributes['power'];
  return out;
}

describe('power on the cloudstack provider', () => {
  it('deploys a VM wanted stopped without starting it, and starts it when its power says running', async () => {
    const commands: string[] = [];
    const provider = recordingProvider(commands);
    const vm = await tenantWithNetwork(provider, 'ada');
    commands.length = 0;

    const made = await provider.create(vm({ power: 'stopped' }));
    expect(commands).toEqual(['deployVirtualMachine startvm=false']);
    expect(await cloudstackState(made.providerId)).toBe('Stopped');
    expect(await readPower(provider, 'ada')).toEqual({ 'ada/vm/web-1': 'stopped' });

    commands.length = 0;
    await provider.update(recordedOf(made), vm({ power: 'running' }), ['power']);
    expect(commands).toEqual(['startVirtualMachine']);
    expect(await cloudstackState(made.providerId)).toBe('Running');
    expect(await readPower(provider, 'ada')).toEqual({ 'ada/vm/web-1': 'running' });

    commands.length = 0;
    await provider.update(recordedOf(made), vm({ power: 'stopped' }), ['power']);
    expect(commands).toEqual(['stopVirtualMachine']);
    expect(await cloudstackState(made.providerId)).toBe('Stopped');
  });

  it('deploys a running VM as before (startvm=true)', async () => {
    const commands: string[] = [];
    const provider = recordingProvider(commands);
    const vm = await tenantWithNetwork(provider, 'bea');
    commands.length = 0;
    const made = await provider.create(vm({ power: 'running' }));
    expect(commands).toEqual(['deployVirtualMachine startvm=true']);
    expect(await cloudstackState(made.providerId)).toBe('Running');
  });

  it('resizes a stopped VM without starting it, and a running one with stop → change → start', async () => {
    const commands: string[] = [];
    const provider = recordingProvider(commands);
    const vm = await tenantWithNetwork(provider, 'cid');
    const made = await provider.create(vm({ power: 'stopped' }));

    commands.length = 0;
    await provider.update(recordedOf(made), vm({ power: 'stopped', cpu: 2 }), ['cpu']);
    expect(commands).toEqual(['changeServiceForVirtualMachine']);
    expect(await cloudstackState(made.providerId)).toBe('Stopped');

    commands.length = 0;
    await provider.update(recordedOf(made), vm({ power: 'running', cpu: 3 }), ['cpu', 'power']);
    expect(commands).toEqual(['changeServiceForVirtualMachine', 'startVirtualMachine']);

    commands.length = 0;
    await provider.update(recordedOf(made), vm({ power: 'running', cpu: 4 }), ['cpu']);
    expect(commands).toEqual(['stopVirtualMachine', 'changeServiceForVirtualMachine', 'startVirtualMachine']);
    expect(await cloudstackState(made.providerId)).toBe('Running');
  });

  it('reads a VM started outside netfirst as running (drift), and an update brings it back without a start it would refuse', async () => {
    const commands: string[] = [];
    const provider = recordingProvider(commands);
    const vm = await tenantWithNetwork(provider, 'dov');
    const made = await provider.create(vm({ power: 'stopped' }));

    await endpointApi().wait((await endpointApi().start('startVirtualMachine', { id: made.providerId })).jobId);
    expect(await readPower(provider, 'dov')).toEqual({ 'dov/vm/web-1': 'running' });
    expect((await provider.read(recordedOf(made)))?.attributes['power']).toBe('running');

    commands.length = 0;
    // The engine corrects drift with an update of what it recorded (stopped) to the spec (stopped): the provider reads, then stops.
    await provider.update({ ...recordedOf(made), attributes: { ...made.attributes, power: 'running' } }, vm({ power: 'stopped' }), ['power']);
    expect(commands).toEqual(['stopVirtualMachine']);
    expect(await cloudstackState(made.providerId)).toBe('Stopped');

    commands.length = 0;
    // Already running: asked to run, nothing is started again.
    await endpointApi().wait((await endpointApi().start('startVirtualMachine', { id: made.providerId })).jobId);
    await provider.update(recordedOf(made), vm({ power: 'running' }), ['power']);
    expect(commands).toEqual([]);
  });
});

describe('what the plan says beside a cloudstack VM update', () => {
  it.each([
    { reason: 'a resize of a running VM stops and starts it', changed: ['cpu'], power: 'running', want: 'CloudStack changes the service offering of a stopped VM: stop → change → start' },
    { reason: 'a resize of a VM wanted stopped leaves it stopped', changed: ['memoryMiB', 'power'], power: 'stopped', want: 'CloudStack changes the service offering of a stopped VM: stop → change' },
    { reason: 'a change of power alone needs no note: the change is the stop or the start', changed: ['power'], power: 'stopped', want: undefined },
  ])('$reason', ({ changed, power, want }) => {
    expect(updateNote('cloudstack', 'vm', changed, { power })).toBe(want);
  });
});
