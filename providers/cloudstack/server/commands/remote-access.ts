/**
 * Remote-access VPN (L2TP/IPsec) on a public address of a network or VPC, and its users.
 * The clients' range (`iprange`, default 10.1.2.1-10.1.2.8 as remote.access.vpn.client.iprange)
 * may not overlap the guest CIDR of the network or VPC — a VPC of 10.0.0.0/8 needs
 * another range. Users belong to an account or project, at most 8 (remote.access.vpn.user.limit);
 * names and passwords follow CloudStack's patterns. Passwords are checked and dropped:
 * never kept, answered or logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { overlaps, parseCidr, parseIpv4Range } from '../../../../specs/model/net/ipv4.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { ApiError, invalid } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add, removeObject, type CloudState, type PublicIp } from '../state.js';
import { remoteAccessVpnView, vpnUserView } from '../views.js';

const DEFAULT_CLIENT_RANGE = '10.1.2.1-10.1.2.8';
const MAX_VPN_USERS = 8;
const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9@._-]{2,63}$/;
const PASSWORD = /^[a-zA-Z0-9][a-zA-Z0-9@#+=._-]{2,31}$/;

function checkVpnAddress(state: CloudState, ip: PublicIp, range: string): void {
  const clients = parseIpv4Range(range);
  if (!/^[\d.]+-[\d.]+$/.test(range) || !clients) throw invalid(`Invalid ip range ${range}`);
  const guestCidr = ip.vpcid !== undefined ? state.vpcs.get(ip.vpcid)?.cidr : ip.networkid !== undefined ? state.networks.get(ip.networkid)?.cidr : undefined;
  if (guestCidr === undefined) throw invalid(`Unable to create remote access vpn for the ipAddress: ${ip.address} as ip is not associated with any network or VPC`);
  const guest = parseCidr(guestCidr)!;
  if (overlaps(clients, guest)) throw invalid(`Invalid ip range: ${range} overlaps with guest ip range ${guestCidr}`);
  if ([...state.remoteAccessVpns.values()].some((v) => v.ipid === ip.id)) throw invalid('A Remote Access VPN already exists for this public Ip address');
}

function ownerLabel(state: CloudState, projectid: string | undefined): string {
  return projectid === undefined ? 'admin' : `project ${state.projects.get(projectid)?.name ?? projectid}`;
}

/** A pre-shared key as CloudStack generates them: 24 characters. */
function generatedKey(): string {
  return randomBytes(18).toString('base64').replace(/[+/]/g, 'x');
}

export const remoteAccessCommands = {
  createRemoteAccessVpn: {
    kind: 'async', instanceType: 'RemoteAccessVpn',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'publicipid', 'publicIps');
      const range = ctx.params.str('iprange') ?? DEFAULT_CLIENT_RANGE;
      checkVpnAddress(ctx.state, ip, range);
      const id = randomUUID();
      return {
        id,
        run: () => {
          const now = live(ctx.state, 'publicIps', ip.id);
          checkVpnAddress(ctx.state, now, range);
          const vpn = add(ctx.state, 'remoteAccessVpns', id, {
            id, ipid: now.id, presharedkey: generatedKey(), iprange: range, ...(now.projectid !== undefined ? { projectid: now.projectid } : {}),
          });
          return object('remoteaccessvpn', remoteAccessVpnView(ctx.state, vpn));
        },
      };
    },
  },
  listRemoteAccessVpns: {
    kind: 'list', key: 'remoteaccessvpn',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'remoteAccessVpns');
      const ipid = filterId(ctx, 'publicipid', 'publicIps');
      const networkid = filterId(ctx, 'networkid', 'networks');
      return [...ctx.state.remoteAccessVpns.values()]
        .filter((v) => inScope(v) && (id === undefined || v.id === id) && (ipid === undefined || v.ipid === ipid))
        .filter((v) => networkid === undefined || ctx.state.publicIps.get(v.ipid)?.networkid === networkid)
        .map((v) => remoteAccessVpnView(ctx.state, v));
    },
  },
  deleteRemoteAccessVpn: {
    kind: 'async', instanceType: 'RemoteAccessVpn',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'publicipid', 'publicIps');
      return {
        run: () => {
          const vpn = [...ctx.state.remoteAccessVpns.values()].find((v) => v.ipid === ip.id);
          if (!vpn) throw invalid(`Unable to find remote access vpn for public ip address ${ip.address}`);
          removeObject(ctx.state, 'remoteAccessVpns', vpn.id);
          return success;
        },
      };
    },
  },
  addVpnUser: {
    kind: 'async', instanceType: 'VpnUser',
    submit: (ctx: Context) => {
      const username = ctx.params.required('username');
      const password = ctx.params.required('password');
      const project = ref(ctx, 'projectid', 'projects');
      const projectid = project?.id;
      if (!USERNAME.test(username)) throw invalid("Username has to be begin with an alphabet have 3-64 characters including alphabets, numbers and the set '@.-_'");
      // The password itself is never part of any answer or log line.
      if (!PASSWORD.test(password)) throw invalid("Password has to be 3-32 characters including alphabets, numbers and the set '@#+=.-_'");
      const check = (): void => {
        const users = [...ctx.state.vpnUsers.values()].filter((u) => u.projectid === projectid);
        if (users.some((u) => u.username === username)) throw invalid(`VPN User with name ${username} is already added for account ${ownerLabel(ctx.state, projectid)}`);
        if (users.length >= MAX_VPN_USERS) throw new ApiError(532, `Cannot add more than ${MAX_VPN_USERS} remote access vpn users to account ${ownerLabel(ctx.state, projectid)}`);
      };
      check();
      const id = randomUUID();
      return {
        id,
        run: () => {
          if (projectid !== undefined) live(ctx.state, 'projects', projectid);
          check();
          const user = add(ctx.state, 'vpnUsers', id, { id, username, ...(projectid !== undefined ? { projectid } : {}) });
          return object('vpnuser', vpnUserView(ctx.state, user));
        },
      };
    },
  },
  listVpnUsers: {
    kind: 'list', key: 'vpnuser',
    run: (ctx) => {
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'vpnUsers');
      const username = ctx.params.str('username');
      return [...ctx.state.vpnUsers.values()]
        .filter((u) => inScope(u) && (id === undefined || u.id === id) && (username === undefined || u.username === username))
        .map((u) => vpnUserView(ctx.state, u));
    },
  },
  removeVpnUser: {
    kind: 'async', instanceType: 'VpnUser',
    submit: (ctx: Context) => {
      const username = ctx.params.required('username');
      const projectid = ref(ctx, 'projectid', 'projects')?.id;
      return {
        run: () => {
          const user = [...ctx.state.vpnUsers.values()].find((u) => u.username === username && u.projectid === projectid);
          if (!user) throw invalid(`Could not find VPN user=[${username}]. VPN owner id=[${ownerLabel(ctx.state, projectid)}]`);
          removeObject(ctx.state, 'vpnUsers', user.id);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
