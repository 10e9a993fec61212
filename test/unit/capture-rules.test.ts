import { describe, expect, it } from 'vitest';
import { computeContribution, contributionDelta, toIncObject } from '../../src/counters/contribution.js';
import { messageKey, nameKey, tagJobId } from '../../src/domain/keys.js';
import { validateCapturedMessage } from '../../src/capture/validate.js';
import { isoWeekKey } from '../../src/time/week.js';

const now = new Date('2026-11-25T12:00:00Z');

describe('keys', () => {
  it('derive one job id per message revision, with no colon (BullMQ refuses them)', () => {
    const key = messageKey('slack', 'T1234', 'C1234', '1700000000.000100');
    expect(tagJobId(key, 0)).toBe(tagJobId(key, 0));
    expect(tagJobId(key, 0)).not.toBe(tagJobId(key, 1));
    expect(tagJobId(key, 3)).toMatch(/^tag-[0-9a-f]{40}-r3$/);
  });
  it('compare names without case or accents', () => {
    expect(nameKey('  Zoë   MÜLLER ')).toBe('zoe muller');
  });
});

describe('validateCapturedMessage', () => {
  const base = { kind: 'new', platform: 'discord', workspaceId: '1', channelId: '2', messageId: '3', author: { userId: '4', role: 'customer' }, text: 'hi', ts: now };
  it('accepts a well-formed message and returns it unchanged', () => {
    expect(validateCapturedMessage(base, { maxMessageChars: 100, now })).toBe(base);
  });
  it('lists every problem at once', () => {
    expect(() => validateCapturedMessage({ ...base, platform: 'irc', messageId: '', ts: 'yesterday' }, { maxMessageChars: 100, now })).toThrow(
      'invalid captured message: platform must be one of slack, discord; messageId must be 1-64 characters of letters, digits, . _ : -; ts must be a valid date',
    );
  });
  it('requires editedAt on an edit and refuses a date far in the future', () => {
    expect(() => validateCapturedMessage({ ...base, kind: 'edit' }, { maxMessageChars: 100, now })).toThrow('editedAt is required');
    expect(() => validateCapturedMessage({ ...base, ts: new Date('2027-01-01T00:00:00Z') }, { maxMessageChars: 100, now })).toThrow('out of range');
  });
  it('refuses absurd attachments', () => {
    expect(() => validateCapturedMessage({ ...base, attachments: [{ name: 'a', type: 'x', size: -1 }] }, { maxMessageChars: 100, now })).toThrow('attachments[0].size');
  });
});

describe('contributions', () => {
  const facts = { key: 'k1', conversationId: 'k1', customerId: 'c1', channelId: 'C1', role: 'customer' as const, deleted: false, rollupId: 'slack:T:2026-W48' };
  it('count a customer message that starts a conversation', () => {
    const c = computeContribution(facts, { needs: ['billing'], sentiment: { score: -0.5, label: 'negative' } });
    expect(toIncObject(c.customer)).toEqual({ 'counts.messages': 1, 'counts.conversations': 1, 'sentiment.sum': -0.5, 'sentiment.count': 1, 'sentiment.negative': 1, 'needs.billing': 1, 'channels.c_C1': 1 });
    expect(toIncObject(c.rollup)).toMatchObject({ 'counts.conversations': 1, 'channels.c_C1': 1 });
  });
  it('give an agent message no needs or sentiment and no customer counters', () => {
    const c = computeContribution({ ...facts, key: 'k2', role: 'agent' }, { needs: ['billing'], sentiment: { score: 1, label: 'positive' } });
    expect(toIncObject(c.conversation)).toEqual({ 'counts.messages': 1, 'counts.agentMessages': 1 });
    expect(c.customer).toEqual([]);
  });
  it('move counters by the difference between revisions, and back to zero on delete', () => {
    const v0 = computeContribution(facts, { needs: ['refund'], sentiment: { score: 0.2, label: 'positive' } });
    const v1 = computeContribution(facts, { needs: ['billing'], sentiment: { score: 0.2, label: 'positive' } });
    expect(toIncObject(contributionDelta(v0, v1).conversation)).toEqual({ 'needs.refund': -1, 'needs.billing': 1 });
    const gone = computeContribution({ ...facts, deleted: true }, null);
    expect(toIncObject(contributionDelta(v1, gone).customer)).toEqual({ 'counts.messages': -1, 'counts.conversations': -1, 'sentiment.sum': -0.2, 'sentiment.count': -1, 'sentiment.positive': -1, 'needs.billing': -1, 'channels.c_C1': -1 });
  });
});

describe('isoWeekKey', () => {
  it('uses the ISO week-numbering year at year ends', () => {
    expect(isoWeekKey(new Date('2026-12-31T12:00:00Z'), 'UTC')).toBe('2026-W53');
    expect(isoWeekKey(new Date('2027-01-04T12:00:00Z'), 'UTC')).toBe('2027-W01');
    expect(isoWeekKey(new Date('2024-12-30T12:00:00Z'), 'UTC')).toBe('2025-W01');
  });
  it('takes the date in the time zone, not in UTC', () => {
    // Sunday 23:30 UTC is already Monday in Berlin, still Sunday in New York.
    const t = new Date('2026-11-22T23:30:00Z');
    expect(isoWeekKey(t, 'UTC')).toBe('2026-W47');
    expect(isoWeekKey(t, 'Europe/Berlin')).toBe('2026-W48');
    expect(isoWeekKey(t, 'America/New_York')).toBe('2026-W47');
  });
});
