/**
 * /zones: each zone's capacity as bars: per cluster the vCPUs and memory sold against
 * what can be sold, per storage tier the disk space, the VLAN, VXLAN and public-IP pools.
 * The numbers are GET /api/v1/zones's (the same zoneReports), and so is who may see
 * them: zones are the operator's documents, and a partner- or tenant-scoped token gets
 * the API's refusal, as a page.
 */
import type { VNode } from 'preact';
import type { ZodApp } from '../../context.js';
import { requireZoneReader, zoneReports } from '../../routes/zones.js';
import type { ZoneReport } from '../../zone-report.js';
import { CapacityBar } from '../charts.js';
import { formatNumber } from '../chart-ticks.js';
import type { ConsoleContext } from '../guard.js';
import { Layout, Notice, sendHtml, viewerOf, type Viewer } from '../page.js';

const MIB_PER_GIB = 1024;

const plural = (n: number, one: string, many = `${one}s`): string => `${formatNumber(n, 0)} ${n === 1 ? one : many}`;

function Clusters({ zone }: { zone: ZoneReport }): VNode {
  if (zone.clusters.length === 0) return <p class="muted">No clusters.</p>;
  return (
    <div class="grid">
      {zone.clusters.map((c) => (
        <div class="card">
          <h4>{c.name} <span class="tag">{c.hypervisor}</span></h4>
          <p class="hint">
            {plural(c.hosts, 'host')} · {plural(c.vms, 'VM')}
            {c.cpuOvercommit !== 1 ? ` · vCPUs sold ${formatNumber(c.cpuOvercommit)}× the cores` : ''}
          </p>
          <CapacityBar label="CPU" used={c.cpu.used} capacity={c.cpu.capacity} unit="vCPUs" decimals={0} />
          <CapacityBar label="Memory" used={c.memoryMiB.used / MIB_PER_GIB} capacity={c.memoryMiB.capacity / MIB_PER_GIB} unit="GiB" decimals={1} />
        </div>
      ))}
    </div>
  );
}

function StorageTiers({ zone }: { zone: ZoneReport }): VNode {
  if (zone.storageTiers.length === 0) return <p class="muted">No storage tiers.</p>;
  return (
    <div class="grid">
      {zone.storageTiers.map((t) => (
        <div class="card">
          <h4>{t.name} <span class="tag">{t.media}</span></h4>
          <p class="hint">{plural(t.disks, 'disk')}</p>
          <CapacityBar label="Disk space" used={t.usedGiB} capacity={t.capacityGiB} unit="GiB" decimals={0} />
        </div>
      ))}
    </div>
  );
}

function SegmentPool({ title, unit, pool }: { title: string; unit: string; pool: ZoneReport['segments']['vlan'] }): VNode {
  return (
    <div class="card">
      <h4>{title}</h4>
      <p class="hint">{pool.ranges.length > 0 ? <>Pool <span class="mono">{pool.ranges.join(', ')}</span></> : 'No pool'}</p>
      <CapacityBar label={title} used={pool.used} capacity={pool.size} unit={unit} decimals={0} />
      {pool.outsidePool > 0 && (
        <Notice kind="warning"><p>{plural(pool.outsidePool, 'network')} hold {unit} outside the pool (it was narrowed after they were allocated): <code>netfirst verify</code> lists them.</p></Notice>
      )}
    </div>
  );
}

function PublicIpPools({ zone }: { zone: ZoneReport }): VNode {
  return (
    <>
      {zone.publicIpPools.length === 0 ? <p class="muted">No public IP pools.</p> : (
        <div class="grid">
          {zone.publicIpPools.map((p) => (
            <div class="card">
              <h4>{p.name}</h4>
              <p class="hint"><span class="mono">{p.range}</span> in <span class="mono">{p.cidr}</span>, gateway <span class="mono">{p.gateway}</span></p>
              <CapacityBar label="Addresses" used={p.used} capacity={p.size} unit="addresses" decimals={0} />
            </div>
          ))}
        </div>
      )}
      {zone.publicIpsOutsidePools > 0 && (
        <Notice kind="warning"><p>{plural(zone.publicIpsOutsidePools, 'public IP')} recorded outside every pool's addresses: <code>netfirst verify</code> lists them.</p></Notice>
      )}
    </>
  );
}

/** Ids come from the zone's position, not its name: a name is the operator's text, an id must be a token. */
function ZoneSection({ zone, index }: { zone: ZoneReport; index: number }): VNode {
  const id = `zone-${index}`;
  return (
    <section class="zone" aria-labelledby={id}>
      <h2 id={id}>{zone.name} <span class="tag">{zone.provider}</span></h2>
      <p class="summary">{plural(zone.tenants, 'tenant')} · {plural(zone.resources, 'resource')} recorded</p>
      <h3>Clusters</h3>
      <Clusters zone={zone} />
      <h3>Storage tiers</h3>
      <StorageTiers zone={zone} />
      <h3>Network segments</h3>
      <div class="grid">
        <SegmentPool title="VLAN IDs" unit="VLAN IDs" pool={zone.segments.vlan} />
        <SegmentPool title="VXLAN VNIs" unit="VNIs" pool={zone.segments.vxlan} />
      </div>
      <h3>Public IP pools</h3>
      <PublicIpPools zone={zone} />
    </section>
  );
}

function ZonesPage({ viewer, zones }: { viewer: Viewer; zones: readonly ZoneReport[] }): VNode {
  return (
    <Layout title="Zones" viewer={viewer} nav="zones">
      <h1>Zones and capacity</h1>
      <p class="summary">
        What the recorded resources take of each zone, against what its spec says can be sold. Bars turn amber at 85% and red over capacity.
      </p>
      {zones.length === 0 ? <p class="empty">No zones: the specs hold no Zone document.</p> : zones.map((zone, i) => <ZoneSection zone={zone} index={i} />)}
    </Layout>
  );
}

export function zonePages(app: ZodApp, cx: ConsoleContext): void {
  app.get('/zones', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireZoneReader(viewer.caller);
    return sendHtml(reply, <ZonesPage viewer={viewer} zones={zoneReports(cx)} />);
  });
}
