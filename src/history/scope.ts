// Who may see which customer. A workspace sees its own customers; a linked customer (a group of identities)
// is visible from every workspace one of its identities belongs to.
import type { Platform } from '../domain/types.js';
import type { Scope } from './types.js';

export function scopeKey(s: { platform: Platform; workspaceId: string }): string {
  return `${s.platform}:${s.workspaceId}`;
}

/** The scopes a customer's group spans (or its own alone). */
export function visibleIn(scope: Scope, member: { platform: Platform; workspaceId: string }, groupScopes: string[] | null): boolean {
  const key = scopeKey(scope);
  return scopeKey(member) === key || (groupScopes ?? []).includes(key);
}

/** Escapes a string for use inside a RegExp. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

export class HistoryInputError extends Error {
  readonly code = 'sh_history_input';
}

/** Validates a query from a command: plain strings only (never objects into a filter), trimmed, bounded. */
export function normalizeQuery(q: unknown): { userId: string } | { email: string } | { name: string } {
  if (typeof q !== 'object' || q === null) throw new HistoryInputError('customer query must be an object');
  const o = q as Record<string, unknown>;
  const text = (v: unknown, what: string, max: number): string => {
    if (typeof v !== 'string') throw new HistoryInputError(`${what} must be a string`);
    const t = v.trim();
    if (t === '') throw new HistoryInputError(`${what} is empty`);
    if (t.length > max) throw new HistoryInputError(`${what} is longer than ${max} characters`);
    return t;
  };
  if ('userId' in o) {
    const id = text(o.userId, 'userId', 64);
    if (!/^[A-Za-z0-9._:-]+$/.test(id)) throw new HistoryInputError('userId has characters a platform id never has');
    return { userId: id };
  }
  if ('email' in o) {
    const email = text(o.email, 'email', 320).toLowerCase();
    if (!EMAIL.test(email)) throw new HistoryInputError('email is not an email address');
    return { email };
  }
  if ('name' in o) return { name: text(o.name, 'name', 200) };
  throw new HistoryInputError('customer query needs userId, email or name');
}

export function validateScope(scope: unknown): Scope {
  const s = scope as Partial<Scope> | null;
  if (!s || (s.platform !== 'slack' && s.platform !== 'discord') || typeof s.workspaceId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(s.workspaceId)) {
    throw new HistoryInputError('scope must name a platform (slack or discord) and a workspace id');
  }
  return { platform: s.platform, workspaceId: s.workspaceId };
}
