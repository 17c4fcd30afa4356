/**
 * Projects: where a tenant's objects live. Names are unique (in any case, as MySQL
 * compares them). Deleting a project that still holds VMs, detached volumes, networks or
 * VPCs is refused unless `cleanup=true`, which takes everything with it (CloudStack 4.16+).
 */
import { randomUUID } from 'node:crypto';
import { deleteProjectContents } from '../cleanup.js';
import { object, success, type CommandHandler, type Context } from '../command.js';
import { inUse, invalid } from '../errors.js';
import { filterId, live, needRef } from '../refs.js';
import { add, removeObject, type CloudState, type Project } from '../state.js';
import { projectView } from '../views.js';

function checkNameFree(state: CloudState, name: string): void {
  const taken = [...state.projects.values()].find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (taken) throw invalid(`Project with name ${name} already exists in domain ROOT`);
}

/** What keeps a project from being deleted without cleanup, in CloudStack's words. */
function leftovers(state: CloudState, projectid: string): string | undefined {
  const own = (o: { readonly projectid?: string }): boolean => o.projectid === projectid;
  const counts: [number, string][] = [
    [[...state.vms.values()].filter(own).length, 'UserVm'],
    [[...state.volumes.values()].filter((v) => own(v) && v.vmid === undefined).length, 'Volume'],
    [[...state.networks.values()].filter(own).length, 'Network'],
    [[...state.vpcs.values()].filter(own).length, 'Vpc'],
  ];
  const found = counts.find(([n]) => n > 0);
  return found ? `${found[0]} ${found[1]} to clean up` : undefined;
}

export const projectCommands = {
  createProject: {
    kind: 'async', instanceType: 'Project',
    submit: (ctx: Context) => {
      const name = ctx.params.required('name');
      const displaytext = ctx.params.str('displaytext') ?? name;
      checkNameFree(ctx.state, name);
      const id = randomUUID();
      return {
        id,
        run: () => {
          checkNameFree(ctx.state, name);
          const project = add(ctx.state, 'projects', id, { id, name, displaytext, created: ctx.timestamp() });
          return object('project', projectView(ctx.state, project));
        },
      };
    },
  },
  listProjects: {
    kind: 'list', key: 'project',
    run: (ctx) => {
      const id = filterId(ctx, 'id', 'projects');
      const name = ctx.params.str('name');
      return [...ctx.state.projects.values()]
        .filter((p: Project) => (id === undefined || p.id === id) && (name === undefined || p.name.toLowerCase() === name.toLowerCase()))
        .map((p) => projectView(ctx.state, p));
    },
  },
  deleteProject: {
    kind: 'async', instanceType: 'Project',
    submit: (ctx: Context) => {
      const project = needRef(ctx, 'id', 'projects');
      const cleanup = ctx.params.bool('cleanup') === true;
      return {
        run: () => {
          live(ctx.state, 'projects', project.id);
          if (cleanup) {
            deleteProjectContents(ctx.state, project.id);
          } else {
            const blocking = leftovers(ctx.state, project.id);
            if (blocking !== undefined) throw inUse(`Can't delete the project yet because it has ${blocking}`);
            deleteProjectContents(ctx.state, project.id);
          }
          removeObject(ctx.state, 'projects', project.id);
          return success;
        },
      };
    },
  },
} satisfies Record<string, CommandHandler>;
