/**
 * Public addresses. `associateIpAddress` takes one from the zone's public IP ranges for a
 * network or a VPC: `ipaddress` when given (it must be free), else the lowest free one; no
 * address left (or the requested one taken) is CloudStack's InsufficientAddressCapacity,
 * answered at once as CloudStack allocates in the command's create phase. Releasing an
 * address takes its rules and static NAT with it; a source-NAT address is not released
 * on its own (it goes with its network or VPC).
 */
import { randomUUID } from 'node:crypto';
import { pickPublicAddress } from '../allocation.js';
import { releasePublicIp } from '../cleanup.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { invalid, noSuchEntity, permissionDenied } from '../errors.js';
import { ownerScope } from '../listing.js';
import { filterId, live, needRef, ref } from '../refs.js';
import { add } from '../state.js';
import { publicIpView } from '../views.js';

export const publicIpCommands = {
  associateIpAddress: {
    kind: 'async', instanceType: 'IpAddress',
    submit: (ctx: Context) => {
      const network = ref(ctx, 'networkid', 'networks');
      const vpc = ref(ctx, 'vpcid', 'vpcs');
      const zoneid = ctx.params.str('zoneid');
      if (zoneid !== undefined && zoneid !== ctx.catalog.zone.id) throw noSuchEntity('zoneid', zoneid);
      if (network && vpc) throw invalid('Specify either networkid or vpcid, not both');
      if (!network && !vpc) throw invalid('networkid or vpcid is required: the endpoint associates addresses with a guest network or a VPC');
      if (network?.vpcid !== undefined) throw invalid(`Network ${network.name} is a VPC tier: associate the address with its VPC (vpcid)`);
      const owner = network ?? vpc!;
      const project = ref(ctx, 'projectid', 'projects');
      if (project && project.id !== owner.projectid) throw permissionDenied(`Unable to associate an address of project ${project.name} with ${network ? 'network' : 'VPC'} ${owner.name}, permission denied`);
      const requested = ctx.params.str('ipaddress');
      pickPublicAddress(ctx.catalog, ctx.state, requested !== undefined ? { requested } : 'lowest');
      const id = randomUUID();
      return {
        id,
        run: () => {
          if (network) live(ctx.state, 'networks', network.id);
          if (vpc) live(ctx.state, 'vpcs', vpc.id);
          const { address, pool } = pickPublicAddress(ctx.catalog, ctx.state, requested !== undefined ? { requested } : 'lowest');
          const ip = add(ctx.state, 'publicIps', id, {
            id, address, poolid: pool.id, sourceNat: false, allocated: ctx.timestamp(),
            ...(network ? { networkid: network.id } : {}), ...(vpc ? { vpcid: vpc.id } : {}),
            ...(owner.projectid !== undefined ? { projectid: owner.projectid } : {}),
          });
          return object('ipaddress', publicIpView(ctx.state, ctx.catalog, ip));
        },
      };
    },
  },
  listPublicIpAddresses: {
    kind: 'list', key: 'publicipaddress',
    run: (ctx) => {
      const p = ctx.params;
      const inScope = ownerScope(ctx);
      const id = filterId(ctx, 'id', 'publicIps');
      const networkid = filterId(ctx, 'associatednetworkid', 'networks');
      const vpcid = filterId(ctx, 'vpcid', 'vpcs');
      const address = p.str('ipaddress');
      const sourceNat = p.bool('issourcenat');
      const staticNat = p.bool('isstaticnat');
      return [...ctx.state.publicIps.values()]
        .filter((ip) => inScope(ip) && (id === undefined || ip.id === id) && (address === undefined || ip.address === address))
        .filter((ip) => (networkid === undefined || ip.networkid === networkid) && (vpcid === undefined || ip.vpcid === vpcid))
        .filter((ip) => (sourceNat === undefined || ip.sourceNat === sourceNat) && (staticNat === undefined || (ip.staticNat !== undefined) === staticNat))
        .map((ip) => publicIpView(ctx.state, ctx.catalog, ip));
    },
  },
  disassociateIpAddress: {
    kind: 'async', instanceType: 'IpAddress',
    submit: (ctx: Context) => {
      const ip = needRef(ctx, 'id', 'publicIps');
      if (ip.sourceNat) throw invalid('ip address is used for source nat purposes and can not be disassociated.');
      return {
        run: () => {
          releasePublicIp(ctx.state, live(ctx.state, 'publicIps', ip.id));
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
