/**
 * The client against a fake CloudStack: a `fetch` function that checks every request's
 * signature as CloudStack would and answers from a handler. No network; time is a
 * fake clock that the poller's sleep advances.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../providers/contract.js';
import { createCloudStackClient, type CloudStackClientOptions } from '../../providers/cloudstack/client.js';
import { CloudStackError } from '../../providers/cloudstack/errors.js';
import { checkSignature } from '../../providers/cloudstack/signing.js';
import type { Fetch } from '../../providers/cloudstack/transport.js';

const API_KEY = 'fake-api-key';
const SECRET_KEY = 'fake-Secret-Key-0123456789';
const ENDPOINT = 'http://cloudstack.test:8080/client/api';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | null;
  readonly params: Readonly<Record<string, string>>;
}

interface Answer {
  readonly status?: number;
  readonly body: unknown;
}

type Handler = (request: Received) => Answer;

/** A clock that only moves when the poller sleeps. */
function fakeClock(start = Date.parse('2025-01-31T12:00:00Z')) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    elapsed: () => t - start,
  };
}

/** A fake CloudStack endpoint: refuses bad signatures with 401 like CloudStack, else asks the handler. */
function fakeCloudStack(handler: Handler, clock = fakeClock()) {
  const received: Received[] = [];
  const fetch: Fetch = async (url, init) => {
    const method = init.method ?? 'GET';
    const query = method === 'GET' ? new URL(url).searchParams : new URLSearchParams(String(init.body));
    const headers = new Headers(init.headers);
    const request: Received = { method, url, contentType: headers.get('content-type'), params: Object.fromEntries(query) };
    received.push(request);
    const command = request.params.command ?? '';
    const answer = checkSignature(request.params, SECRET_KEY, clock.now()).valid
      ? handler(request)
      : { status: 401, body: { [`${command.toLowerCase()}response`]: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' } } };
    return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), { status: answer.status ?? 200 });
  };
  const client = (options: Partial<CloudStackClientOptions> = {}) =>
    createCloudStackClient({ endpoint: ENDPOINT, apiKey: API_KEY, secretKey: SECRET_KEY, fetch, now: clock.now, sleep: clock.sleep, ...options });
  return { fetch, received, client, clock };
}

function commandsOf(received: readonly Received[]): string[] {
  return received.map((r) => r.params.command ?? '');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const NETWORKS = ['net-a', 'net-b', 'net-c', 'net-d', 'net-e'].map((name, i) => ({ id: `id-${i}`, name, cidr: `10.0.${i}.0/24` }));

/** listNetworks over NETWORKS, paged like CloudStack; `{}` past the end; count only when `withCount`. */
function pagedNetworks(withCount: boolean, networks = NETWORKS): Handler {
  return ({ params }) => {
    const page = Number(params.page);
    const size = Number(params.pagesize);
    const slice = networks.slice((page - 1) * size, page * size);
    if (slice.length === 0) return { body: { listnetworksresponse: {} } };
    return { body: { listnetworksresponse: { ...(withCount ? { count: networks.length } : {}), network: slice } } };
  };
}

describe('list', () => {
  it('walks 3 pages of 2 with listall=true, stopping at the short last page', async () => {
    const cs = fakeCloudStack(pagedNetworks(true));
    const networks = await collect(cs.client({ pageSize: 2 }).list('listNetworks', { projectid: 'p-1' }));
    expect(networks.map((n) => n.name)).toEqual(['net-a', 'net-b', 'net-c', 'net-d', 'net-e']);
    expect(cs.received.map((r) => [r.params.page, r.params.pagesize, r.params.listall, r.params.projectid])).toEqual([
      ['1', '2', 'true', 'p-1'],
      ['2', '2', 'true', 'p-1'],
      ['3', '2', 'true', 'p-1'],
    ]);
  });

  it('stops once count objects have come, without asking for an empty page', async () => {
    const cs = fakeCloudStack(pagedNetworks(true, NETWORKS.slice(0, 4)));
    expect(await collect(cs.client({ pageSize: 2 }).list('listNetworks'))).toHaveLength(4);
    expect(cs.received).toHaveLength(2);
  });

  it('without a count, a full last page is followed by {} — the empty page ends the list', async () => {
    const cs = fakeCloudStack(pagedNetworks(false, NETWORKS.slice(0, 4)));
    expect((await collect(cs.client({ pageSize: 2 }).list('listNetworks'))).map((n) => n.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
    expect(cs.received.map((r) => r.params.page)).toEqual(['1', '2', '3']);
  });

  it('{} is an empty list, not an error', async () => {
    const cs = fakeCloudStack(() => ({ body: { listvpcsresponse: {} } }));
    expect(await collect(cs.client().list('listVPCs'))).toEqual([]);
    expect(cs.received[0]?.params.pagesize).toBe('500');
  });

  it('refuses a page size CloudStack would refuse', () => {
    const cs = fakeCloudStack(pagedNetworks(true));
    expect(() => cs.client({ pageSize: 501 })).toThrow(/page size 501/);
    expect(() => cs.client({ pageSize: 0 })).toThrow(/page size 0/);
  });
});

describe('call and start', () => {
  it('call answers a sync command with its object, signed (version 3) and sent as GET', async () => {
    const cs = fakeCloudStack(() => ({ body: { createnetworkresponse: { network: { id: 'n-1', name: 'web', cidr: '10.1.1.0/24' } } } }));
    expect(await cs.client().call('createNetwork', { name: 'web', gateway: '10.1.1.1', netmask: '255.255.255.0', vlan: undefined })).toEqual({ id: 'n-1', name: 'web', cidr: '10.1.1.0/24' });
    const [request] = cs.received;
    expect(request?.method).toBe('GET');
    expect(request?.params).toMatchObject({ command: 'createNetwork', response: 'json', apiKey: API_KEY, signatureVersion: '3', expires: '2025-01-31T12:10:00+0000' });
    expect(request?.params).not.toHaveProperty('vlan');
  });

  it('start gives the job id and the new id as strings, for the provider to record before waiting', async () => {
    const cs = fakeCloudStack(() => ({ body: { deployvirtualmachineresponse: { jobid: 17164, id: 2602 } } }));
    expect(await cs.client().start('deployVirtualMachine', { name: 'vm-1' })).toEqual({ jobId: '17164', id: '2602' });
  });

  it('flattened list and map parameters arrive as CloudStack reads them', async () => {
    const cs = fakeCloudStack(() => ({ body: { deployvirtualmachineresponse: { jobid: 'j-1', id: 'vm-1' } } }));
    await cs.client().start('deployVirtualMachine', {
      'iptonetworklist[0].networkid': 'n-1',
      'iptonetworklist[0].ip': '10.0.0.5',
      'details[0].cpuNumber': 2,
      'details[0].memory': 2048,
      startvm: true,
    });
    expect(cs.received[0]?.params).toMatchObject({
      'iptonetworklist[0].networkid': 'n-1',
      'iptonetworklist[0].ip': '10.0.0.5',
      'details[0].cpuNumber': '2',
      'details[0].memory': '2048',
      startvm: 'true',
    });
  });

  it('a long request goes as a POST form', async () => {
    const cs = fakeCloudStack(() => ({ body: { createtagsresponse: { jobid: 'j-1' } } }));
    await cs.client().start('createTags', { resourceids: Array.from({ length: 80 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`).join(','), resourcetype: 'UserVm' });
    expect(cs.received[0]).toMatchObject({ method: 'POST', url: ENDPOINT, contentType: 'application/x-www-form-urlencoded' });
  });

  it('a request CloudStack refuses for its signature is a 401, not retryable', async () => {
    const cs = fakeCloudStack(() => ({ body: {} }));
    const error = await rejection(cs.client({ secretKey: 'not-the-secret' }).call('listZones'));
    expect(error).toBeInstanceOf(CloudStackError);
    expect(error).toMatchObject({ errorcode: 401, retryable: false, message: 'unable to verify user credentials and/or request signature' });
  });
});

describe('errors', () => {
  const cases = [
    { reason: 'parameter error', errorcode: 431, cserrorcode: 4350, code: 'invalid', retryable: false, errortext: 'Unable to find service offering: big' },
    { reason: 'internal error', errorcode: 530, cserrorcode: 4250, code: 'internal', retryable: true, errortext: 'Failed to create network' },
    { reason: 'insufficient capacity', errorcode: 533, cserrorcode: 4365, code: 'capacity', retryable: false, errortext: 'Unable to create a deployment for VM' },
  ] as const;

  it.each(cases)('HTTP $errorcode ($reason) is a CloudStackError with retryable $retryable and CloudStack\'s text as message', async ({ errorcode, cserrorcode, errortext, code, retryable }) => {
    const cs = fakeCloudStack(() => ({ status: errorcode, body: { createnetworkresponse: { uuidList: [], errorcode, cserrorcode, errortext } } }));
    const error = await rejection(cs.client().call('createNetwork', { name: 'web' }));
    expect(error).toBeInstanceOf(CloudStackError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ command: 'createNetwork', errorcode, cserrorcode, errortext, code, retryable, message: errortext });
  });

  it.each([
    { status: 502, retryable: true },
    { status: 404, retryable: false },
  ])('an HTTP $status that is not CloudStack\'s (a proxy page) is still an error with the status as code', async ({ status, retryable }) => {
    const cs = fakeCloudStack(() => ({ status, body: '<html>Bad Gateway</html>' }));
    expect(await rejection(cs.client().call('listZones'))).toMatchObject({ errorcode: status, retryable });
  });

  it('an error inside a 200 answer is an error', async () => {
    const cs = fakeCloudStack(() => ({ body: { deployvirtualmachineresponse: { errorcode: 431, errortext: 'Unable to find service offering: 104' } } }));
    expect(await rejection(cs.client().run('deployVirtualMachine', {}))).toMatchObject({ errorcode: 431, retryable: false });
    expect(commandsOf(cs.received)).toEqual(['deployVirtualMachine']);
  });

  it('a request without an answer in time: a read may be retried, a change may not (it may have been carried out)', async () => {
    const hanging: Fetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const client = createCloudStackClient({ endpoint: ENDPOINT, apiKey: API_KEY, secretKey: SECRET_KEY, fetch: hanging, requestTimeoutMs: 20 });
    expect(await rejection(client.call('listZones'))).toMatchObject({ code: 'timeout', retryable: true });
    const change = await rejection(client.call('createNetwork', { name: 'web' }));
    expect(change).toMatchObject({ code: 'timeout', retryable: false });
    expect(String(change)).toContain('createNetwork: no answer from the CloudStack API at http://cloudstack.test:8080/client/api within 20 ms');
  });

  it('a refused connection never reached CloudStack, so even a change may be retried', async () => {
    const refused: Fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }) });
    };
    const client = createCloudStackClient({ endpoint: ENDPOINT, apiKey: API_KEY, secretKey: SECRET_KEY, fetch: refused });
    expect(await rejection(client.call('createNetwork', { name: 'web' }))).toMatchObject({ code: 'unavailable', retryable: true });
  });
});

describe('secrets', () => {
  const PSK = 'Sup3r Secret/PSK+1';
  const PASSWORD = 'hunter2-vpn-password';

  it('never appear in an error, even when CloudStack quotes them back', async () => {
    const cs = fakeCloudStack(({ params }) => ({
      status: 431,
      body: { createvpncustomergatewayresponse: { errorcode: 431, errortext: `Invalid ipsecpsk ${params.ipsecpsk} (encoded ${encodeURIComponent(params.ipsecpsk ?? '')}) for key ${SECRET_KEY}` } },
    }));
    const error = await rejection(cs.client().start('createVpnCustomerGateway', { name: 'hq', ipsecpsk: PSK }));
    if (!(error instanceof CloudStackError)) throw new Error(`expected a CloudStackError, got ${String(error)}`);
    const shown = `${String(error)} ${error.errortext} ${error.stack ?? ''} ${JSON.stringify(error)}`;
    expect(shown).not.toContain(PSK);
    expect(shown).not.toContain(encodeURIComponent(PSK));
    expect(shown).not.toContain(SECRET_KEY);
    expect(error.message).toBe('Invalid ipsecpsk [redacted] (encoded [redacted]) for key [redacted]');
  });

  it('travel in a POST body, never in a URL (URLs end up in access logs)', async () => {
    const cs = fakeCloudStack(() => ({ body: { addvpnuserresponse: { jobid: 'j-1' } } }));
    await cs.client().start('addVpnUser', { username: 'dr-lee', password: PASSWORD });
    const [request] = cs.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(ENDPOINT);
    expect(request?.params.password).toBe(PASSWORD);
  });

  it('stay out of a failed job\'s error', async () => {
    const cs = fakeCloudStack(({ params }) =>
      params.command === 'addVpnUser'
        ? { body: { addvpnuserresponse: { jobid: 'j-7' } } }
        : { body: { queryasyncjobresultresponse: { jobid: 'j-7', jobstatus: 2, jobresult: { errorcode: 530, errortext: `user dr-lee: password ${PASSWORD} too weak` } } } },
    );
    const client = cs.client();
    const { jobId } = await client.start('addVpnUser', { username: 'dr-lee', password: PASSWORD });
    // The poller's own requests never carry the password; the client remembers it from the start.
    const error = await rejection(client.wait(jobId, { command: 'addVpnUser' }));
    expect(error).toMatchObject({ jobId: 'j-7', errorcode: 530, message: 'user dr-lee: password [redacted] too weak' });
  });
});

/** A job that is pending `pending` times, then ends with `end`. */
function jobThat(pending: number, end: Record<string, unknown>, start: Record<string, unknown> = { jobid: 'job-42', id: 'vm-1' }): Handler {
  let asked = 0;
  return ({ params }) => {
    if (params.command !== 'queryAsyncJobResult') return { body: { [`${(params.command ?? '').toLowerCase()}response`]: start } };
    asked += 1;
    const state = asked <= pending ? { jobstatus: 0 } : end;
    return { body: { queryasyncjobresultresponse: { jobid: params.jobid, ...state } } };
  };
}

const VM = { id: 2602, name: 'fred', state: 'Running' };

describe('async jobs', () => {
  it('run = start + wait: pending three times, then the VM, with the pause doubling from 250 ms', async () => {
    const cs = fakeCloudStack(jobThat(3, { jobstatus: 1, jobresult: { virtualmachine: VM } }));
    expect(await cs.client().run('deployVirtualMachine', { name: 'fred' })).toEqual({ ...VM, id: '2602' });
    expect(commandsOf(cs.received)).toEqual(['deployVirtualMachine', 'queryAsyncJobResult', 'queryAsyncJobResult', 'queryAsyncJobResult', 'queryAsyncJobResult']);
    expect(cs.received.slice(1).every((r) => r.params.jobid === 'job-42')).toBe(true);
    expect(cs.clock.sleeps).toEqual([250, 500, 1000]);
  });

  it('the pause stops growing at maxMs', async () => {
    const cs = fakeCloudStack(jobThat(6, { jobstatus: 1, jobresult: { success: true } }));
    expect(await cs.client({ poll: { initialMs: 100, maxMs: 400 } }).run('deleteNetwork', { id: 'n-1' })).toEqual({ success: true });
    expect(cs.clock.sleeps).toEqual([100, 200, 400, 400, 400, 400]);
  });

  it('wait gives the job result; run picks the object under the command\'s objectKey', async () => {
    const cs = fakeCloudStack(jobThat(0, { jobstatus: 1, jobresult: { virtualmachine: VM } }));
    expect(await cs.client().wait('job-42')).toEqual({ virtualmachine: VM });
  });

  it('a failed job is its CloudStackError, with errortext as message and the job id', async () => {
    const cs = fakeCloudStack(jobThat(1, { jobstatus: 2, jobresultcode: 530, jobresult: { errorcode: 533, cserrorcode: 4365, errortext: 'Insufficient capacity on cluster c-1' } }));
    const error = await rejection(cs.client().run('deployVirtualMachine', { name: 'fred' }));
    expect(error).toBeInstanceOf(CloudStackError);
    expect(error).toMatchObject({ message: 'Insufficient capacity on cluster c-1', errorcode: 533, code: 'capacity', retryable: false, jobId: 'job-42', command: 'deployVirtualMachine' });
  });

  it('a failed job with a retryable code is not polled again: the job is over', async () => {
    const cs = fakeCloudStack(jobThat(0, { jobstatus: 2, jobresult: { errorcode: 530, errortext: 'Failed to start VM' } }));
    expect(await rejection(cs.client().run('startVirtualMachine', { id: 'vm-1' }))).toMatchObject({ errorcode: 530, retryable: true });
    expect(commandsOf(cs.received)).toEqual(['startVirtualMachine', 'queryAsyncJobResult']);
  });

  it('a cancelled job is a final ProviderError naming the job', async () => {
    const cs = fakeCloudStack(jobThat(0, { jobstatus: 3 }));
    const error = await rejection(cs.client().run('createVolume', { name: 'data' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(CloudStackError);
    expect(error).toMatchObject({ code: 'internal', retryable: false, message: 'CloudStack job job-42 (createVolume) was cancelled' });
  });

  it('a job that outlives timeoutMs is a ProviderError timeout naming the job, not retryable (the engine reads it later)', async () => {
    const cs = fakeCloudStack(jobThat(Number.POSITIVE_INFINITY, { jobstatus: 1 }));
    const client = cs.client({ poll: { initialMs: 250, maxMs: 5_000, timeoutMs: 20_000 } });
    const { jobId } = await client.start('deployVirtualMachine', { name: 'slow' });
    const error = await rejection(client.wait(jobId, { command: 'deployVirtualMachine' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'timeout', retryable: false });
    expect(String(error)).toContain('CloudStack job job-42 (deployVirtualMachine) did not finish within 20 s');
    // 250+500+1000+2000+4000+5000 = 12750, then the last pause is cut to the deadline.
    expect(cs.clock.sleeps).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 2250]);
    expect(cs.clock.elapsed()).toBe(20_000);
  });

  it('wait takes its own timeout', async () => {
    const cs = fakeCloudStack(jobThat(Number.POSITIVE_INFINITY, { jobstatus: 1 }));
    const error = await rejection(cs.client().wait('job-7', { timeoutMs: 1_000 }));
    expect(String(error)).toContain('CloudStack job job-7 did not finish within 1 s');
    expect(cs.clock.elapsed()).toBe(1_000);
  });

  it('a retryable failure while asking about the job is asked again: asking changes nothing', async () => {
    let asked = 0;
    const cs = fakeCloudStack(({ params }) => {
      if (params.command === 'createVPC') return { body: { createvpcresponse: { jobid: 'job-1', id: 'vpc-1' } } };
      asked += 1;
      if (asked === 1) return { status: 530, body: { queryasyncjobresultresponse: { errorcode: 530, errortext: 'Database busy' } } };
      return { body: { queryasyncjobresultresponse: { jobid: 'job-1', jobstatus: 1, jobresult: { vpc: { id: 'vpc-1', cidr: '10.0.0.0/16' } } } } };
    });
    expect(await cs.client().run('createVPC', { name: 'acme' })).toEqual({ id: 'vpc-1', cidr: '10.0.0.0/16' });
    expect(asked).toBe(2);
  });

  it('a sync command through run is a plain call', async () => {
    const cs = fakeCloudStack(() => ({ body: { enablestaticnatresponse: { success: 'true' } } }));
    expect(await cs.client().run('enableStaticNat', { ipaddressid: 'ip-1', virtualmachineid: 'vm-1' })).toEqual({ success: 'true' });
    expect(commandsOf(cs.received)).toEqual(['enableStaticNat']);
  });
});
