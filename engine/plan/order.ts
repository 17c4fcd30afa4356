/**
 * order: the changes as a graph of steps. Creates and updates follow dependencies;
 * deletes go in reverse (a resource goes only after everything that used it is gone
 * or no longer uses it); a replace is its delete then its create.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import { Dag } from '../graph/index.js';
import type { Change, DeleteChange, ReplaceChange, CreateChange, UpdateChange } from './change.js';

export type Step =
  | { readonly kind: 'create'; readonly change: CreateChange | ReplaceChange }
  | { readonly kind: 'update'; readonly change: UpdateChange }
  | { readonly kind: 'delete'; readonly change: DeleteChange | ReplaceChange };

export const destroyId = (address: string): string => `${address} (destroy)`;

export function orderChanges(changes: readonly Change[]): { dag: Dag<Step>; diagnostics: Diagnostic[] } {
  const dag = new Dag<Step>();
  // Address whose prior record goes away (delete or replace) → its destroy step id.
  const destroyOf = new Map<string, string>();
  // Address whose desired form is applied → its create/update step id.
  const applyOf = new Map<string, string>();

  for (const c of changes) {
    switch (c.action) {
      case 'create':
        dag.addNode(c.address, { kind: 'create', change: c });
        applyOf.set(c.address, c.address);
        break;
      case 'update':
        dag.addNode(c.address, { kind: 'update', change: c });
        applyOf.set(c.address, c.address);
        break;
      case 'replace': {
        const oldAddress = c.movedFrom ?? c.address;
        dag.addNode(destroyId(oldAddress), { kind: 'delete', change: c });
        dag.addNode(c.address, { kind: 'create', change: c });
        dag.addEdge(destroyId(oldAddress), c.address);
        destroyOf.set(oldAddress, destroyId(oldAddress));
        applyOf.set(c.address, c.address);
        break;
      }
      case 'delete':
        dag.addNode(destroyId(c.address), { kind: 'delete', change: c });
        destroyOf.set(c.address, destroyId(c.address));
        break;
      case 'noop':
      case 'read':
        break;
    }
  }

  for (const c of changes) {
    // Creates and updates wait for the dependencies they will use.
    if (c.action === 'create' || c.action === 'update' || c.action === 'replace') {
      for (const dep of c.after.dependsOn) {
        const step = applyOf.get(dep);
        if (step) dag.addEdge(step, c.address);
      }
    }
    // Whatever used a resource before must be gone, or stop using it, before the resource goes.
    if (c.action === 'delete' || c.action === 'replace' || c.action === 'update') {
      const userStep = c.action === 'update' ? c.address : destroyId(c.action === 'replace' ? (c.movedFrom ?? c.address) : c.address);
      for (const dep of c.before.dependsOn) {
        const depDestroy = destroyOf.get(dep);
        if (depDestroy && depDestroy !== userStep) dag.addEdge(userStep, depDestroy);
      }
    }
  }

  const diagnostics: Diagnostic[] = dag.cycles().map((cycle) => ({
    severity: 'error',
    summary: `dependency cycle: ${cycle.join(' → ')} → ${cycle[0]}`,
    detail: 'Each of these resources waits for another on the cycle; break one of the references.',
  }));
  return { dag, diagnostics };
}
