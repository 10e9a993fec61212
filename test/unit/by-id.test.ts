// The filter check that lets conditional single-document writes stay `_id` lookups on FerretDB
// (src/db/by-id.ts): MongoDB's semantics for the operators the write paths use.
import { describe, expect, it } from 'vitest';
import { matchesFilter } from '../../src/db/by-id.js';

const doc = {
  _id: 'k',
  rev: 2,
  pending: null,
  counted: { rev: 1 },
  ops: ['a', 'b'],
  editedAt: new Date('2026-11-02T10:00:00Z'),
  text: 'hi',
  m: { x: 5 },
};

describe('matchesFilter', () => {
  it('equality, null matching missing, arrays matching an element, dotted paths', () => {
    expect(matchesFilter(doc, { rev: 2 })).toBe(true);
    expect(matchesFilter(doc, { rev: 3 })).toBe(false);
    expect(matchesFilter(doc, { pending: null })).toBe(true);
    expect(matchesFilter(doc, { deletedAt: null })).toBe(true);
    expect(matchesFilter(doc, { counted: null })).toBe(false);
    expect(matchesFilter(doc, { 'counted.rev': 1 })).toBe(true);
    expect(matchesFilter(doc, { 'pending.opId': 'a' })).toBe(false);
    expect(matchesFilter(doc, { ops: 'a' })).toBe(true);
    expect(matchesFilter(doc, { ops: 'z' })).toBe(false);
    expect(matchesFilter(doc, { editedAt: new Date('2026-11-02T10:00:00Z') })).toBe(true);
  });

  it('$ne, $exists, comparisons, $or and $and', () => {
    expect(matchesFilter(doc, { ops: { $ne: 'a' } })).toBe(false);
    expect(matchesFilter(doc, { ops: { $ne: 'z' } })).toBe(true);
    expect(matchesFilter(doc, { status: { $ne: 'resolved' } })).toBe(true);
    expect(matchesFilter(doc, { 'm.x': { $exists: true } })).toBe(true);
    expect(matchesFilter(doc, { 'm.y': { $exists: false } })).toBe(true);
    expect(matchesFilter(doc, { editedAt: { $lt: new Date('2026-11-03T00:00:00Z') } })).toBe(true);
    expect(matchesFilter(doc, { editedAt: { $gt: new Date('2026-11-03T00:00:00Z') } })).toBe(false);
    expect(matchesFilter(doc, { missing: { $lt: 5 } })).toBe(false);
    expect(matchesFilter(doc, { rev: { $lt: 400 } })).toBe(true);
    expect(matchesFilter(doc, { $or: [{ editedAt: null }, { editedAt: { $lt: new Date('2026-11-03T00:00:00Z') } }] })).toBe(true);
    expect(matchesFilter(doc, { $and: [{ text: { $ne: 'hi' } }] })).toBe(false);
    expect(matchesFilter(null, { rev: 2 })).toBe(false);
  });

  it('leaves operators it does not know to the server', () => {
    expect(matchesFilter(doc, { rev: { $in: [1, 2] } })).toBeUndefined();
    expect(matchesFilter(doc, { $where: 'true' })).toBeUndefined();
    expect(matchesFilter(doc, { m: { x: 5 } })).toBeUndefined();
    expect(matchesFilter(doc, { rev: { $lt: 'x' } })).toBeUndefined();
  });
});
