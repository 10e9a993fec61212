// Finds the customer an operator names on the command line: an email, a name, `platform:userId`, or a
// customer id (`platform:workspaceId:userId`). An operator sees every workspace (or the one --workspace names).
import { Customer, Workspace } from '../../src/db/models.js';
import { PLATFORMS, type Platform } from '../../src/domain/types.js';
import { lookupCustomer, type CustomerRef, type Scope } from '../../src/history/index.js';
import { UsageError } from './context.js';

export type CustomerMatch =
  | { kind: 'found'; scope: Scope; customer: CustomerRef }
  | { kind: 'ambiguous'; candidates: CustomerRef[] }
  | { kind: 'not-found' };

export const CUSTOMER_ARG_HELP = `<customer> is an email, a name (or part of one), platform:userId (slack:U0123…, discord:8123…),
or a customer id as shown by history (platform:workspaceId:userId).`;

/** `--workspace slack:T0123` or `T0123` → the scopes to search. */
export async function operatorScopes(workspace: string | undefined, platform?: Platform): Promise<Scope[]> {
  const all = await Workspace.find({}, { platform: 1, externalId: 1 }).sort({ _id: 1 }).lean();
  let scopes = all.map((w) => ({ platform: w.platform as Platform, workspaceId: w.externalId }));
  if (platform) scopes = scopes.filter((s) => s.platform === platform);
  if (workspace) {
    const [p, id] = workspace.includes(':') ? workspace.split(':', 2) : [undefined, workspace];
    scopes = scopes.filter((s) => s.workspaceId === id && (p === undefined || s.platform === p));
    if (scopes.length === 0) throw new UsageError(`no workspace "${workspace}" is stored`);
  }
  return scopes;
}

export async function findCustomer(query: string, workspace?: string): Promise<CustomerMatch> {
  const q = query.trim();
  if (q === '') throw new UsageError('name the customer');
  const parts = q.split(':');
  if (parts.length === 3 && PLATFORMS.includes(parts[0] as Platform)) {
    const c = await Customer.findById(q).lean();
    if (!c) return { kind: 'not-found' };
    return {
      kind: 'found',
      scope: { platform: c.platform as Platform, workspaceId: c.workspaceId },
      customer: { id: c._id, name: c.name ?? null, email: c.email ?? null, company: c.company ?? null, lastContactAt: c.lastContactAt ?? null },
    };
  }
  let platform: Platform | undefined;
  let lookup: { userId: string } | { email: string } | { name: string };
  if (parts.length === 2 && PLATFORMS.includes(parts[0] as Platform)) {
    platform = parts[0] as Platform;
    lookup = { userId: parts[1]! };
  } else if (q.includes('@')) lookup = { email: q };
  else lookup = { name: q };
  const found = new Map<string, { scope: Scope; customer: CustomerRef }>();
  for (const scope of await operatorScopes(workspace, platform)) {
    const r = await lookupCustomer(scope, lookup);
    if (r.kind === 'found') found.set(r.customer.id, { scope, customer: r.customer });
    else if (r.kind === 'ambiguous') for (const c of r.candidates) found.set(c.id, { scope, customer: c });
  }
  if (found.size === 0) return { kind: 'not-found' };
  if (found.size === 1) {
    const [only] = found.values();
    return { kind: 'found', ...only! };
  }
  return { kind: 'ambiguous', candidates: [...found.values()].map((f) => f.customer) };
}
