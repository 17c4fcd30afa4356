/**
 * What goes with an object when it goes, as CloudStack cleans up: a released public
 * address takes its rules, static NAT and remote-access VPN; an expunged VM its rules,
 * static NAT and root volume (data volumes are detached and stay); a deleted network its
 * addresses (an isolated network's are released, a VPC tier's go back to the VPC); a
 * deleted VPC its VPN gateway, addresses and ACL lists; a project everything it owns.
 * Callers check first that deleting is allowed; these only carry it out.
 */
import { removeObject, type CloudState, type PublicIp, type Vm } from './state.js';

export function removePortForward(state: CloudState, id: string): void {
  const rule = state.portForwards.get(id);
  if (!rule) return;
  if (rule.firewallRuleId !== undefined) removeObject(state, 'firewallRules', rule.firewallRuleId);
  removeObject(state, 'portForwards', id);
}

/** A VPC address with no rule and no static NAT left goes back from its tier to the VPC. */
export function releaseFromTier(state: CloudState, ip: PublicIp): void {
  if (ip.vpcid === undefined || ip.sourceNat || ip.staticNat) return;
  const used = [...state.portForwards.values()].some((r) => r.ipid === ip.id);
  if (!used) delete ip.networkid;
}

export function releasePublicIp(state: CloudState, ip: PublicIp): void {
  for (const r of [...state.portForwards.values()]) if (r.ipid === ip.id) removePortForward(state, r.id);
  for (const r of [...state.firewallRules.values()]) if (r.ipid === ip.id) removeObject(state, 'firewallRules', r.id);
  for (const v of [...state.remoteAccessVpns.values()]) if (v.ipid === ip.id) removeObject(state, 'remoteAccessVpns', v.id);
  removeObject(state, 'publicIps', ip.id);
}

export function expungeVm(state: CloudState, vm: Vm): void {
  for (const ip of state.publicIps.values()) {
    if (ip.staticNat?.vmid !== vm.id) continue;
    delete ip.staticNat;
    releaseFromTier(state, ip);
  }
  for (const r of [...state.portForwards.values()]) {
    if (r.vmid !== vm.id) continue;
    removePortForward(state, r.id);
    const ip = state.publicIps.get(r.ipid);
    if (ip) releaseFromTier(state, ip);
  }
  for (const v of [...state.volumes.values()]) {
    if (v.vmid !== vm.id) continue;
    if (v.type === 'ROOT') {
      removeObject(state, 'volumes', v.id);
    } else {
      delete v.vmid;
      delete v.deviceid;
      delete v.attached;
    }
  }
  removeObject(state, 'vms', vm.id);
}

export function deleteNetwork(state: CloudState, networkid: string): void {
  const network = state.networks.get(networkid);
  if (!network) return;
  for (const ip of [...state.publicIps.values()]) {
    if (ip.networkid !== networkid) continue;
    if (ip.vpcid === undefined) {
      releasePublicIp(state, ip);
      continue;
    }
    for (const r of [...state.portForwards.values()]) if (r.ipid === ip.id) removePortForward(state, r.id);
    delete ip.staticNat;
    if (!ip.sourceNat) delete ip.networkid;
  }
  removeObject(state, 'networks', networkid);
}

export function deleteVpc(state: CloudState, vpcid: string): void {
  for (const g of [...state.vpnGateways.values()]) if (g.vpcid === vpcid) removeObject(state, 'vpnGateways', g.id);
  for (const ip of [...state.publicIps.values()]) if (ip.vpcid === vpcid) releasePublicIp(state, ip);
  for (const list of [...state.aclLists.values()]) {
    if (list.vpcid !== vpcid) continue;
    for (const item of [...state.aclItems.values()]) if (item.aclid === list.id) removeObject(state, 'aclItems', item.id);
    removeObject(state, 'aclLists', list.id);
  }
  removeObject(state, 'vpcs', vpcid);
}

/** deleteProject with cleanup=true: everything the project owns, in an order nothing objects to. */
export function deleteProjectContents(state: CloudState, projectid: string): void {
  const own = (o: { readonly projectid?: string }): boolean => o.projectid === projectid;
  for (const vm of [...state.vms.values()].filter(own)) expungeVm(state, vm);
  for (const v of [...state.volumes.values()].filter(own)) removeObject(state, 'volumes', v.id);
  for (const c of [...state.vpnConnections.values()].filter(own)) removeObject(state, 'vpnConnections', c.id);
  for (const g of [...state.customerGateways.values()].filter(own)) removeObject(state, 'customerGateways', g.id);
  for (const u of [...state.vpnUsers.values()].filter(own)) removeObject(state, 'vpnUsers', u.id);
  for (const n of [...state.networks.values()].filter(own)) deleteNetwork(state, n.id);
  for (const v of [...state.vpcs.values()].filter(own)) deleteVpc(state, v.id);
  for (const ip of [...state.publicIps.values()].filter(own)) releasePublicIp(state, ip);
}
