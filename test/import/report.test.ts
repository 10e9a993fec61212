// The import summary and progress text (pure).
import { describe, expect, it } from 'vitest';
import { allOf, formatProgress, formatSummary } from '../../src/import/report.js';
import type { ImportSummary } from '../../src/import/run.js';
import { readJsonArray, readJsonObjectWithArray } from '../../src/import/json-scan.js';

describe('import report', () => {
  it('lists rejections by file and position under the counts', () => {
    const s: ImportSummary = {
      platform: 'slack',
      via: 'bulk',
      read: 1200,
      stored: 1100,
      duplicates: 97,
      updated: 0,
      rejections: [
        { file: 'support/2026-11-16.json', position: 'line 57, column 3 (offset 1834)', reason: 'element 5 is cut off (truncated file)' },
        { file: 'support/2026-11-17.json', position: 'message 1', reason: 'missing or malformed ts (null)' },
      ],
      skipped: { 'channel event (channel_join)': 4 },
      notQueued: 0,
      notes: [],
      elapsedMs: 1500,
      rate: 798,
      timings: {},
    };
    expect(formatSummary(s, 'export.zip')).toBe(
      [
        'Imported slack export export.zip in 1.5 s (798 messages/s)',
        '  read        1,200 messages',
        '  imported    1,100',
        '  duplicates  97 (already stored, left as they were)',
        '  skipped     4 channel event (channel_join)',
        '  rejected    2',
        '',
        'Rejected (everything else was imported):',
        '  support/2026-11-16.json, line 57, column 3 (offset 1834): element 5 is cut off (truncated file)',
        '  support/2026-11-17.json, message 1: missing or malformed ts (null)',
        '',
        'Tagging continues in the worker (support-history worker).',
        '',
      ].join('\n'),
    );
    expect(formatProgress({ total: 200, done: 100, stored: 90, duplicates: 10, rejected: 0, elapsedMs: 2000 })).toBe(
      '[############............] 50% 100/200 · 90 new · 10 duplicates · 0 rejected · 50 msg/s',
    );
  });

  it('says what was imported beside the rejections: everything else, only what was already stored, or nothing', () => {
    const base: ImportSummary = {
      platform: 'discord',
      via: 'bulk',
      read: 0,
      stored: 0,
      duplicates: 0,
      updated: 0,
      rejections: [{ file: 'bad.json', position: 'header', reason: 'no guild.id: is this a DiscordChatExporter JSON file?' }],
      skipped: {},
      notQueued: 0,
      notes: [],
      elapsedMs: 10,
      rate: 0,
      timings: {},
    };
    const heading = (s: ImportSummary): string | undefined => formatSummary(s, 'x').split('\n').find((l) => l.startsWith('Rejected'));
    expect(heading(base)).toBe('Rejected (nothing was imported):');
    expect(heading({ ...base, read: 3, duplicates: 3 })).toBe('Rejected (everything else was already stored):');
    expect(heading({ ...base, read: 3, stored: 2, duplicates: 1 })).toBe('Rejected (everything else was imported):');
    expect(heading({ ...base, read: 1, updated: 1 })).toBe('Rejected (everything else was imported):');
    expect(allOf(1, 'file')).toBe('the one file');
    expect(allOf(0, 'file')).toBe('all 0 files');
    expect(allOf(1200, 'channel')).toBe('all 1,200 channels');
  });

  it('reads the complete elements of damaged JSON and says where the damage is', () => {
    expect(readJsonArray('[{"a":1},\n{"b":2},\n{"c":')).toEqual({
      items: [{ a: 1 }, { b: 2 }],
      problem: { offset: 19, line: 3, column: 1, message: 'element 2 is cut off (truncated file)' },
    });
    expect(readJsonArray('[{"a":1}, {"b":x}]').problem?.message).toMatch(/^element 1 is not valid JSON/);
    expect(readJsonArray('{"not":"an array"}')).toMatchObject({ items: [], problem: { message: 'expected a JSON array at the top level' } });
    const obj = readJsonObjectWithArray('{"guild":{"id":"1"},"messages":[{"id":"a"},{"id":"b"},{"id', 'messages');
    expect(obj.value).toEqual({ guild: { id: '1' }, messages: [{ id: 'a' }, { id: 'b' }] });
    expect(obj.problem?.message).toBe('element 2 is cut off (truncated file)');
    // Braces inside strings do not confuse the scan.
    expect(readJsonArray('[{"t":"a } ] { \\" ["},{"u":').items).toEqual([{ t: 'a } ] { " [' }]);
  });
});
