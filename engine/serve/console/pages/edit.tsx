/**
 * Changing a tenant through forms, what a small client does: add a VM, change its CPU
 * or memory, stop or start it, grow a disk, open a port, add a remote-access VPN user.
 * Each form is an edit of the tenant's YAML spec (engine/serve/spec-change.ts): judged
 * as the CLI judges specs — problems shown next to the field they are about, with what
 * was typed kept — then written, committed, and planned; the page then goes to the
 * plan's review page, where it is approved or discarded. Nothing changes before that.
 *
 * Every form carries the sha256 of the spec it was made from: a form made from an older
 * version is shown again on the current one instead of overwriting someone's change.
 */
import type { FastifyReply } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import type { FieldProblem } from '../../../../specs/edit/index.js';
import { loadFile } from '../../../../specs/load-file.js';
import type { TenantDoc, ZoneDoc } from '../../../../specs/schema.js';
import { SourceFile } from '../../../../specs/source.js';
import { formatSize } from '../../../../specs/units.js';
import { requireWriter } from '../../caller.js';
import type { ZodApp } from '../../context.js';
import { HttpProblem, type ApiDiagnostic } from '../../problem.js';
import { changeSpec, editableSpec, type EditableSpec } from '../../spec-change.js';
import { inputFor, isEditForm, readEditForm, type EditFormName, type FormValues } from '../edit-form.js';
import type { ConsoleContext } from '../guard.js';
import { CsrfForm, Layout, NotFoundPage, Notice, sendHtml, viewerOf, type Viewer } from '../page.js';

const MAX_NAME = 63;
const tenantHref = (name: string, rest = ''): string => `/tenants/${encodeURIComponent(name)}${rest}`;

/** What the page shows after a post: the form's problems and what was typed, or a notice for the whole page. */
interface Posted {
  readonly form: EditFormName;
  readonly values: FormValues;
  readonly errors: ReadonlyMap<string, string>;
  readonly diagnostics: readonly ApiDiagnostic[];
}

interface PageData {
  readonly viewer: Viewer;
  readonly tenant: string;
  readonly spec: EditableSpec;
  /** The tenant as its file reads now; undefined when it does not load (the notice says why). */
  readonly doc: TenantDoc | undefined;
  readonly zone: ZoneDoc | undefined;
  readonly review: boolean;
  readonly posted?: Posted;
  readonly notice?: { readonly kind: 'error' | 'warning'; readonly text: string };
}

/** The tenant's document as the file holds it now (the form's version, not the server's last sync). */
function currentDoc(spec: EditableSpec, tenant: string): TenantDoc | undefined {
  const loaded = loadFile(new SourceFile(spec.file, spec.text));
  for (const { value } of loaded.documents) if (value.kind === 'Tenant' && value.metadata.name === tenant) return value;
  return undefined;
}

const fieldId = (form: EditFormName, input: string): string => `${form}-${input.replace(/[^a-zA-Z0-9-]/g, '-')}`;

/** One labelled input with its hint and its error (tied by aria-describedby), the value typed kept. */
function Field(props: {
  form: EditFormName; name: string; label: string; posted?: Posted | undefined; hint?: string;
  type?: 'text' | 'password'; value?: string; required?: boolean; inputMode?: 'numeric' | 'text'; autocomplete?: string; placeholder?: string;
  options?: readonly { value: string; label: string }[];
}): VNode {
  const { form, name, label, posted, hint } = props;
  const id = fieldId(form, name);
  const mine = posted?.form === form ? posted : undefined;
  const error = mine?.errors.get(name);
  const value = props.type === 'password' ? '' : mine?.values[name] ?? props.value ?? '';
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, 'aria-describedby': described, 'aria-invalid': error ? ('true' as const) : undefined, required: props.required };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {props.options ? (
        <select {...common}>
          {props.options.map((o) => <option value={o.value} selected={o.value === value}>{o.label}</option>)}
        </select>
      ) : (
        props.type === 'password'
          ? <input {...common} type="password" value="" autocomplete={props.autocomplete ?? 'new-password'} spellcheck={false} />
          : <input {...common} type="text" value={value} inputMode={props.inputMode} autocomplete={props.autocomplete ?? 'off'} placeholder={props.placeholder} spellcheck={false} />
      )}
      {hint ? <p class="hint" id={`${id}-hint`}>{hint}</p> : null}
      {error ? <p class="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}

/** A form card: its heading, the problems that belong to no one field, the base version, its button. */
function EditCard({ data, form, title, intro, button, children }: { data: PageData; form: EditFormName; title: string; intro: string; button: string; children?: ComponentChildren }): VNode {
  const mine = data.posted?.form === form ? data.posted : undefined;
  const general = mine?.errors.get('');
  const headingId = `${form}-title`;
  return (
    <section class="card edit-card" aria-labelledby={headingId} id={form}>
      <h2 id={headingId}>{title}</h2>
      <p class="hint">{intro}</p>
      {general ? <Notice kind="error"><p>{general}</p></Notice> : null}
      {mine && mine.diagnostics.length > 0 ? (
        <details class="edit-diagnostics">
          <summary>What the spec check said ({mine.diagnostics.length})</summary>
          <ul class="diagnostics">
            {mine.diagnostics.map((d) => <li><code>{d.file ?? ''}{d.line !== undefined ? `:${d.line}` : ''}</code> {d.severity}: {d.path ? <code>{d.path}</code> : null} {d.summary}</li>)}
          </ul>
        </details>
      ) : null}
      <CsrfForm viewer={data.viewer} action={tenantHref(data.tenant, `/edit/${form}`)} class="edit-form" novalidate>
        <input type="hidden" name="base" value={data.spec.sha256} />
        <div class="edit-fields">{children}</div>
        <div class="actions"><button type="submit" class="primary">{button}</button></div>
      </CsrfForm>
    </section>
  );
}

const options = (values: readonly string[], empty?: string) => [...(empty !== undefined ? [{ value: '', label: empty }] : []), ...values.map((v) => ({ value: v, label: v }))];

function AddVmCard({ data }: { data: PageData }): VNode {
  const { doc, zone, posted } = data;
  const hypervisors = [...new Set((zone?.spec.clusters ?? []).map((c) => c.hypervisor))];
  const templates = (zone?.spec.templates ?? []).map((t) => ({ value: t.name, label: `${t.name} (${t.hypervisors.join(', ')})` }));
  const tiers = (zone?.spec.storageTiers ?? []).map((t) => t.name);
  const networks = (doc?.spec.networks ?? []).map((n) => ({ value: n.name, label: `${n.name} (${n.cidr})` }));
  const f = { form: 'add-vm' as const, posted };
  return (
    <EditCard data={data} form="add-vm" title="Add a VM" intro="A new virtual machine on one of the tenant's networks, with a root disk and, if you like, one data disk." button="Add the VM and show the plan">
      <Field {...f} name="name" label="Name" required hint="Lowercase letters, digits and -, such as web-2." />
      <Field {...f} name="hypervisor" label="Hypervisor" required options={options(hypervisors.length > 0 ? hypervisors : ['kvm', 'xenserver', 'vmware'])} />
      <Field {...f} name="template" label="Template" required options={[{ value: '', label: 'Choose a template' }, ...templates]} />
      <Field {...f} name="cpu" label="CPUs" required inputMode="numeric" value="2" />
      <Field {...f} name="memory" label="Memory" required value="4GiB" hint="With a unit: 4GiB, 512MiB." />
      <Field {...f} name="network" label="Network" required options={[{ value: '', label: 'Choose a network' }, ...networks]} />
      <Field {...f} name="ip" label="Address (optional)" hint="Empty: the next free address of the network." placeholder="auto" />
      <Field {...f} name="rootDisk.size" label="Root disk size" required value="40GiB" />
      <Field {...f} name="rootDisk.tier" label="Root disk tier" required options={options(tiers)} />
      <Field {...f} name="disks.0.name" label="Data disk name (optional)" placeholder="data" />
      <Field {...f} name="disks.0.size" label="Data disk size (optional)" placeholder="100GiB" />
      <Field {...f} name="disks.0.tier" label="Data disk tier" options={options(tiers)} />
    </EditCard>
  );
}

function vmOptions(doc: TenantDoc | undefined) {
  return (doc?.spec.vms ?? []).map((v) => ({ value: v.name, label: `${v.name} (${v.cpu} CPU, ${formatSize(v.memory)})` }));
}

function SetVmCard({ data }: { data: PageData }): VNode {
  const f = { form: 'set-vm' as const, posted: data.posted };
  return (
    <EditCard data={data} form="set-vm" title="Change CPUs or memory" intro="Fill in what changes; leave the other empty. The VM may restart to take it." button="Change the VM and show the plan">
      <Field {...f} name="vm" label="VM" required options={[{ value: '', label: 'Choose a VM' }, ...vmOptions(data.doc)]} />
      <Field {...f} name="cpu" label="CPUs" inputMode="numeric" />
      <Field {...f} name="memory" label="Memory" hint="With a unit: 8GiB." />
    </EditCard>
  );
}

function PowerCard({ data }: { data: PageData }): VNode {
  const vms = data.doc?.spec.vms ?? [];
  const mine = data.posted?.form === 'power' ? data.posted : undefined;
  const problem = mine ? [...mine.errors.values()].join('; ') : undefined;
  return (
    <section class="card edit-card" aria-labelledby="power-title" id="power">
      <h2 id="power-title">Stop or start a VM</h2>
      <p class="hint">A stopped VM keeps its disks and addresses, and is billed as allocated, not running.</p>
      {problem ? <Notice kind="error"><p>{problem}</p></Notice> : null}
      {vms.length === 0 ? <p class="muted">This tenant has no VMs.</p> : (
        <table class="data">
          <caption class="sr-only">VMs and whether they run</caption>
          <thead><tr><th scope="col">VM</th><th scope="col">In the spec</th><th scope="col">Change</th></tr></thead>
          <tbody>
            {vms.map((v) => {
              const power = (v as { power?: string }).power ?? 'running';
              const next = power === 'stopped' ? 'running' : 'stopped';
              const verb = next === 'stopped' ? 'Stop' : 'Start';
              return (
                <tr>
                  <th scope="row">{v.name}</th>
                  <td>{power}</td>
                  <td>
                    <CsrfForm viewer={data.viewer} action={tenantHref(data.tenant, '/edit/power')} class="inline">
                      <input type="hidden" name="base" value={data.spec.sha256} />
                      <input type="hidden" name="vm" value={v.name} />
                      <input type="hidden" name="power" value={next} />
                      <button type="submit" data-confirm={next === 'stopped' ? `Stop ${v.name}? Its users lose it until it is started again (once the plan is approved).` : undefined}>
                        {verb}<span class="sr-only"> {v.name}</span>
                      </button>
                    </CsrfForm>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DiskCard({ data }: { data: PageData }): VNode {
  const disks = (data.doc?.spec.vms ?? []).flatMap((v) => [
    { value: `${v.name}/root`, label: `${v.name}: root disk (${formatSize(v.rootDisk.size)}, ${v.rootDisk.tier})` },
    ...v.disks.map((d) => ({ value: `${v.name}/${d.name}`, label: `${v.name}: ${d.name} (${formatSize(d.size)}, ${d.tier})` })),
  ]);
  const f = { form: 'disk' as const, posted: data.posted };
  return (
    <EditCard data={data} form="disk" title="Grow a disk" intro="Disks only grow: a smaller size would lose what is at the end of the disk." button="Grow the disk and show the plan">
      <Field {...f} name="target" label="Disk" required options={[{ value: '', label: 'Choose a disk' }, ...disks]} />
      <Field {...f} name="size" label="New size" required hint="With a unit, larger than now: 500GiB, 2TiB." />
    </EditCard>
  );
}

function PortForwardCard({ data }: { data: PageData }): VNode {
  const ips = (data.doc?.spec.publicIps ?? []).map((p) => ({ value: p.name, label: p.address === 'auto' ? p.name : `${p.name} (${p.address})` }));
  const f = { form: 'port-forward' as const, posted: data.posted };
  return (
    <EditCard data={data} form="port-forward" title="Open a port" intro="Forwards a port of a public IP address to a VM, so it can be reached from the Internet." button="Open the port and show the plan">
      <Field {...f} name="publicIp" label="Public IP" options={[{ value: '', label: ips.length > 0 ? 'Choose a public IP' : 'No public IP yet: name a new one' }, ...ips]} />
      <Field {...f} name="newPublicIp" label="Or a new public IP named" hint="Takes a new address from the zone's pool." placeholder="web" />
      <Field {...f} name="protocol" label="Protocol" required options={options(['tcp', 'udp'])} />
      <Field {...f} name="publicPorts" label="Public ports" required hint="One or more, separated by commas: 80, 443." />
      <Field {...f} name="privatePorts" label="VM ports (optional)" hint="Empty: the same ports; else one for each public port, in order." />
      <Field {...f} name="vm" label="VM" required options={[{ value: '', label: 'Choose a VM' }, ...vmOptions(data.doc)]} />
    </EditCard>
  );
}

function VpnUserCard({ data }: { data: PageData }): VNode {
  const f = { form: 'vpn-user' as const, posted: data.posted };
  return (
    <EditCard data={data} form="vpn-user" title="Add a remote-access VPN user" intro="The password is kept in the server's secret store: the spec holds only where to read it from." button="Add the user and show the plan">
      <Field {...f} name="name" label="User name" required hint="Lowercase letters, digits and -, such as nurse-kim." />
      <Field {...f} name="password" label="Password" type="password" required autocomplete="new-password" hint="At least 8 characters." />
      <Field {...f} name="confirm" label="Password again" type="password" required autocomplete="new-password" />
    </EditCard>
  );
}

function EditPage(data: PageData): VNode {
  return (
    <Layout title={`Change ${data.tenant}`} viewer={data.viewer} nav="fleet" crumbs={[{ label: 'Tenants', href: '/' }, { label: data.tenant, href: tenantHref(data.tenant) }]}>
      <div class="heading">
        <h1>Change {data.tenant}</h1>
        <p class="summary">Each change edits <code>{data.spec.file}</code> and shows you the plan: nothing happens until the plan is approved.</p>
      </div>
      {data.review ? <Notice kind="info"><p>Changes go to a branch of the spec repository for review: merging the branch applies them.</p></Notice> : null}
      {data.notice ? <Notice kind={data.notice.kind}><p>{data.notice.text}</p></Notice> : null}
      {data.doc === undefined ? <Notice kind="error"><p>The spec of {data.tenant} has errors, so it cannot be changed here: fix the file first (the tenant's Spec tab shows it).</p></Notice> : (
        <div class="edit-grid">
          <AddVmCard data={data} />
          <SetVmCard data={data} />
          <PowerCard data={data} />
          <DiskCard data={data} />
          <PortForwardCard data={data} />
          <VpnUserCard data={data} />
        </div>
      )}
    </Layout>
  );
}

function ReviewSentPage({ viewer, tenant, branch, planId }: { viewer: Viewer; tenant: string; branch: string; planId: string }): VNode {
  return (
    <Layout title={`Sent for review: ${tenant}`} viewer={viewer} nav="fleet" crumbs={[{ label: 'Tenants', href: '/' }, { label: tenant, href: tenantHref(tenant) }]}>
      <h1>Sent for review</h1>
      <Notice kind="ok"><p>The change is on branch <code>{branch}</code> of the spec repository. Merging the branch is the approval: the server then plans and applies it from the merged specs.</p></Notice>
      <p><a href={`/plans/${encodeURIComponent(planId)}`}>See what the merge would do</a> · <a href={tenantHref(tenant, '/edit')}>Make another change</a></p>
    </Layout>
  );
}

export function editPages(app: ZodApp, cx: ConsoleContext): void {
  /** The page's data for a tenant the viewer may change, or undefined when it is not one it sees. */
  const pageData = (viewer: Viewer, name: unknown, extra: Partial<PageData> = {}): PageData | undefined => {
    if (typeof name !== 'string' || name === '' || name.length > MAX_NAME) return undefined;
    requireWriter(viewer.caller);
    let spec: EditableSpec;
    try {
      spec = editableSpec(cx, viewer.caller, name);
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 404) return undefined;
      throw error;
    }
    const doc = currentDoc(spec, name);
    const zoneName = doc?.spec.zone ?? cx.source.specs().tenants.get(name)?.value.spec.zone;
    const zone = zoneName !== undefined ? cx.source.specs().zones.get(zoneName)?.value : undefined;
    const review = cx.options.reviewBranchPrefix !== undefined;
    return { viewer, tenant: name, spec, doc, zone, review, ...extra };
  };
  const notFound = (reply: FastifyReply, viewer: Viewer, name: unknown): FastifyReply =>
    sendHtml(reply, <NotFoundPage viewer={viewer} what={`Tenant ${typeof name === 'string' ? name.slice(0, 80) : ''}`} />, 404);

  app.get('/tenants/:name/edit', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const name = (request.params as { name?: unknown }).name;
    const data = pageData(viewer, name);
    return data ? sendHtml(reply, <EditPage {...data} />) : notFound(reply, viewer, name);
  });

  app.post('/tenants/:name/edit/:form', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { name, form } = request.params as { name?: unknown; form?: unknown };
    const data = pageData(viewer, name);
    if (!data) return notFound(reply, viewer, name);
    if (!isEditForm(form)) return notFound(reply, viewer, name);
    const read = readEditForm(form, request.body);
    const again = (status: number, problems: readonly FieldProblem[], diagnostics: readonly ApiDiagnostic[] = []) => {
      const errors = new Map<string, string>();
      for (const p of problems) {
        const input = inputFor(form, p.field);
        errors.set(input, errors.has(input) ? `${errors.get(input)!}; ${p.message}` : p.message);
      }
      return sendHtml(reply, <EditPage {...data} posted={{ form, values: read.values, errors, diagnostics }} />, status);
    };
    if (!read.ok) return again(422, read.problems);
    const result = await changeSpec(cx, viewer.caller, { tenant: data.tenant, baseSha256: read.base, edit: read.edit });
    switch (result.outcome) {
      case 'invalid':
        return again(422, result.problems, result.diagnostics);
      case 'moved':
        // The page as the file is now: the form typed is kept, to send again if it still applies.
        return sendHtml(reply, <EditPage {...data} posted={{ form, values: read.values, errors: new Map(), diagnostics: [] }} notice={{ kind: 'warning', text: `${result.message}. The forms below show it as it is now.` }} />, 409);
      case 'planned':
        if (result.branch !== undefined) return sendHtml(reply, <ReviewSentPage viewer={viewer} tenant={data.tenant} branch={result.branch} planId={result.planId} />);
        return reply.code(303).header('Location', `/plans/${encodeURIComponent(result.planId)}`).send();
    }
  });
}
