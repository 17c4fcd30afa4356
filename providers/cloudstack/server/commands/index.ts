/**
 * The endpoint's command table: every command of api.ts (the compiler checks that each
 * has a handler of the kind api.ts says — async there, async here), plus a few the
 * provider may need that api.ts does not list yet (network ACLs, remote-access VPN
 * listing and deletion, expunging a destroyed VM). queryAsyncJobResult is the
 * dispatcher's own.
 */
import type { COMMANDS, CommandName } from '../../api.js';
import type { CommandHandler } from '../command.js';
import { aclCommands } from './acls.js';
import { discoveryCommands } from './discovery.js';
import { firewallCommands } from './firewall.js';
import { natCommands } from './nat.js';
import { networkCommands } from './networks.js';
import { projectCommands } from './projects.js';
import { publicIpCommands } from './public-ips.js';
import { remoteAccessCommands } from './remote-access.js';
import { siteToSiteCommands } from './site-to-site.js';
import { tagCommands } from './tags.js';
import { vmCommands } from './vms.js';
import { volumeCommands } from './volumes.js';

export const HANDLERS = {
  ...discoveryCommands, ...projectCommands, ...networkCommands, ...publicIpCommands, ...natCommands, ...firewallCommands,
  ...aclCommands, ...siteToSiteCommands, ...remoteAccessCommands, ...vmCommands, ...volumeCommands, ...tagCommands,
};

type Handled = Exclude<CommandName, 'queryAsyncJobResult'>;
type KindFor<K extends Handled> = (typeof COMMANDS)[K]['async'] extends true ? { readonly kind: 'async' } : { readonly kind: 'sync' | 'list' };

// Compile-time only: every api.ts command has a handler, async exactly where api.ts says so.
const covered: { readonly [K in Handled]: KindFor<K> } = HANDLERS;
void covered;

const table: Readonly<Record<string, CommandHandler>> = HANDLERS;

export function handlerFor(command: string): CommandHandler | undefined {
  return Object.hasOwn(table, command) ? table[command] : undefined;
}
