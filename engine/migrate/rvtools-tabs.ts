/**
 * Which RVTools tab a CSV holds, told from its header row and never from its file
 * name (people rename exports; RVTools' own CSV export calls them `RVTools_tabvInfo.csv`,
 * a saved sheet may be called anything). Four tabs carry tenant facts (vInfo, vNetwork,
 * vDisk and the portgroup tabs); the others describe the source platform and are
 * reported as one summary each.
 */
import type { Columns } from './rvtools-columns.js';

export type Tab =
  | { readonly kind: 'vinfo' | 'vnetwork' | 'vdisk' | 'vswitch' | 'dvswitch'; readonly name: string; readonly format: string }
  | {
      readonly kind: 'inventory';
      readonly name: string;
      readonly format: string;
      /** What one row is, plural (`ESXi hosts`). */
      readonly noun: string;
      readonly reason: string;
    };

/** A tab that is not imported, recognised by header names that only it has (any one set). */
interface InventoryTab {
  readonly name: string;
  readonly noun: string;
  readonly reason: string;
  readonly fingerprints: readonly (readonly string[])[];
}

const NOT_TENANT = 'not a tenant resource: nothing to create';

const INVENTORY_TABS: readonly InventoryTab[] = [
  {
    name: 'vPartition',
    noun: 'guest partitions',
    reason: 'guest file systems live inside the VM disks and move with them; disk sizes come from vDisk',
    fingerprints: [['VM', 'Disk', 'Free %'], ['VM', 'Disk', 'Consumed MiB'], ['VM', 'Disk', 'Consumed MB']],
  },
  { name: 'vHost', noun: 'ESXi hosts', reason: `an ESXi host is the platform the VMs ran on, ${NOT_TENANT}`, fingerprints: [['Host', '# Cores'], ['Host', 'CPU Model'], ['Host', 'ESX Version']] },
  { name: 'vCPU', noun: 'VM CPU settings', reason: 'the CPU count comes from vInfo; sockets, shares, reservations and limits have no equivalent in the spec', fingerprints: [['VM', 'Sockets']] },
  { name: 'vMemory', noun: 'VM memory settings', reason: 'the memory size comes from vInfo; reservations, shares and limits have no equivalent in the spec', fingerprints: [['VM', 'Ballooned']] },
  { name: 'vSnapshot', noun: 'VM snapshots', reason: 'snapshots are not migrated: consolidate or delete them before the disks are exported', fingerprints: [['VM', 'Date / time']] },
  { name: 'vTools', noun: 'VMware Tools states', reason: 'VMware Tools do not exist on the target: install its guest agent instead', fingerprints: [['VM', 'Tools Version']] },
  { name: 'vUSB', noun: 'USB devices', reason: 'USB devices are bound to a host and cannot move with the VM', fingerprints: [['VM', 'Device Node', 'Family']] },
  { name: 'vCD', noun: 'CD/DVD drives', reason: 'removable media are not migrated: attach an image by hand where a VM needs one', fingerprints: [['VM', 'Device Node']] },
  { name: 'vSC_VMK', noun: 'VMkernel adapters', reason: `a host management interface is ${NOT_TENANT}`, fingerprints: [['Host', 'Device', 'Subnet mask']] },
  { name: 'vNIC', noun: 'host physical NICs', reason: `a host uplink is ${NOT_TENANT}`, fingerprints: [['Host', 'Network Device']] },
  { name: 'vHBA', noun: 'host bus adapters', reason: `a host storage adapter is ${NOT_TENANT}`, fingerprints: [['Host', 'Device', 'WWN']] },
  { name: 'vMultiPath', noun: 'storage paths', reason: `a host storage path is ${NOT_TENANT}`, fingerprints: [['Host', 'Policy']] },
  { name: 'vSwitch', noun: 'standard switches', reason: 'switch settings (MTU, security policy, uplinks) have no equivalent; portgroups and VLANs come from the vPort tab', fingerprints: [['Host', 'Switch', '# Ports']] },
  { name: 'dvSwitch', noun: 'distributed switches', reason: 'switch settings have no equivalent; portgroups and VLANs come from the dvPort tab', fingerprints: [['Switch', 'Vendor', 'Version']] },
  { name: 'vCluster', noun: 'clusters', reason: `a cluster is the platform the VMs ran on, ${NOT_TENANT}`, fingerprints: [['Name', 'NumHosts'], ['Name', '# Hosts']] },
  { name: 'vDatastore', noun: 'datastores', reason: 'datastores are the source platform\'s storage; VM disk sizes come from vDisk', fingerprints: [['Name', 'Accessible']] },
  { name: 'vLicense', noun: 'licences', reason: 'vSphere licences do not carry over', fingerprints: [['Name', 'Cost Unit']] },
  { name: 'vHealth', noun: 'health messages', reason: 'vCenter health checks of the source platform: review them before migrating', fingerprints: [['Name', 'Message type']] },
  { name: 'vSource', noun: 'vCenter sources', reason: `the vCenter the export came from is ${NOT_TENANT}`, fingerprints: [['Name', 'API type']] },
  { name: 'vRP', noun: 'resource pools', reason: 'resource pools (shares, reservations, limits) have no equivalent in the spec', fingerprints: [['Resource Pool name']] },
  { name: 'vFileInfo', noun: 'datastore files', reason: 'a file listing of the datastores; VM disk sizes come from vDisk', fingerprints: [['Friendly Path Name']] },
];

/** The tab `header` belongs to, or undefined when it is not an RVTools tab at all. */
export function detectTab(columns: Columns, header: readonly string[]): Tab | undefined {
  const has = columns.has;
  if (has('vm') && has('cpus') && has('memoryMib')) return imported('vinfo', 'vInfo');
  if (has('vm') && (has('nicLabel') || (has('adapter') && has('mac')))) return imported('vnetwork', 'vNetwork');
  const names = new Set(header.map((h) => h.toLowerCase()));
  const inventory = INVENTORY_TABS.find((t) => t.fingerprints.some((f) => f.every((h) => names.has(h.toLowerCase()))));
  // vPartition has VM, Disk and Capacity like vDisk: its own columns must win first.
  if (inventory?.name === 'vPartition') return inventoryTab(inventory);
  if (has('vm') && has('disk') && has('capacityMib')) return imported('vdisk', 'vDisk');
  if (has('portgroup') && has('vlan')) return has('host') ? imported('vswitch', 'vSwitch') : imported('dvswitch', 'dvSwitch');
  if (inventory) return inventoryTab(inventory);
  // RVTools 4.x ends every tab with the VI SDK columns; older per-VM tabs start VM,Powerstate.
  if (has('sdkServer') || (has('vm') && has('powerstate'))) {
    return { kind: 'inventory', name: 'RVTools', format: 'rvtools-other', noun: 'rows', reason: 'this RVTools tab holds nothing the spec can express' };
  }
  return undefined;
}

function imported(kind: 'vinfo' | 'vnetwork' | 'vdisk' | 'vswitch' | 'dvswitch', name: string): Tab {
  return { kind, name, format: `rvtools-${kind}` };
}

function inventoryTab(t: InventoryTab): Tab {
  return { kind: 'inventory', name: t.name, format: `rvtools-${t.name.toLowerCase()}`, noun: t.noun, reason: t.reason };
}
