// The customer a data-rights command (`/customer forget`, `/customer export`) names. From a chat platform a
// workspace acts only on its own identities: a customer linked from another workspace is visible to
// /history there, but only that workspace (or an operator with the CLI) may export or erase it.
import { identityKey } from '../domain/keys.js';
import { lookupCustomer } from '../history/index.js';
import { readCustomer } from '../history/members.js';
import { scopeKey, validateScope } from '../history/scope.js';
import type { Scope } from '../history/types.js';

export class PrivacyError extends Error {
  readonly code = 'sh_privacy_target';
}

export type CustomerRefInput = { id: string } | { userId: string } | { email: string };

export interface OwnCustomer {
  id: string;
  name: string | null;
  email: string | null;
}

/** Resolves a full id, a platform user id or an email to a customer of the asking workspace, or throws PrivacyError. */
export async function ownCustomer(scope: Scope, ref: CustomerRefInput): Promise<OwnCustomer> {
  scope = validateScope(scope);
  let id: string;
  if ('id' in ref) id = ref.id;
  else if ('userId' in ref) id = identityKey(scope.platform, scope.workspaceId, ref.userId);
  else {
    const found = await lookupCustomer(scope, { email: ref.email });
    if (found.kind === 'ambiguous') throw new PrivacyError(`several customers have the email ${ref.email}; name one by mention or full id`);
    if (found.kind === 'not-found') throw new PrivacyError(`no customer of this workspace has the email ${ref.email}`);
    id = found.customer.id;
  }
  if (typeof id !== 'string' || id.length > 200 || !id.startsWith(`${scopeKey(scope)}:`)) throw new PrivacyError(`${String(id).slice(0, 200)} is not a customer of this workspace`);
  const c = await readCustomer(id);
  if (!c) throw new PrivacyError(`no customer ${id} in this workspace`);
  return { id, name: c.name ?? null, email: c.email ?? null };
}
