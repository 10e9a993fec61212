// The benchmarks' workspace generator (bench/generate.ts): the same seed gives the same stream, small streams
// still have edits and deletes, and its Slack events are ones the adapter's parser captures as the generated
// messages, edits and deletes.
import { describe, expect, it } from 'vitest';
import { parseSlackMessage } from '../../adapters/slack/map-event.js';
import { generateWorkspace, slackWorkspace } from '../../bench/generate.js';

describe('bench workspace generator', () => {
  it('is seeded: the same seed gives the same events', () => {
    const a = generateWorkspace({ messages: 300, seed: 7, workspaceId: 'TA' });
    const b = generateWorkspace({ messages: 300, seed: 7, workspaceId: 'TA' });
    const c = generateWorkspace({ messages: 300, seed: 8, workspaceId: 'TA' });
    expect(JSON.stringify(slackWorkspace(a).events)).toBe(JSON.stringify(slackWorkspace(b).events));
    expect(JSON.stringify(a.events)).not.toBe(JSON.stringify(c.events));
  });

  it('has at least one edit and one delete from 20 messages on', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = generateWorkspace({ messages: 20, seed, workspaceId: 'TS' });
      expect(s.counts.edits).toBeGreaterThanOrEqual(1);
      expect(s.counts.deletes).toBeGreaterThanOrEqual(1);
      expect(s.events.filter((e) => e.kind === 'edit')).toHaveLength(s.counts.edits);
      expect(s.events.filter((e) => e.kind === 'delete')).toHaveLength(s.counts.deletes);
    }
  });

  it('gives Slack message events the adapter parses back into the generated stream', () => {
    const stream = generateWorkspace({ messages: 2_000, seed: 20261125, workspaceId: 'TB' });
    const ws = slackWorkspace(stream);
    expect(ws.events).toHaveLength(stream.events.length);
    const replied = new Set(stream.events.filter((e) => e.kind === 'new' && e.threadId && e.threadId !== e.messageId).map((e) => e.threadId));
    let tombstones = 0;
    stream.events.forEach((ev, i) => {
      const slack = ws.events[i]!;
      expect(slack).toMatchObject({ type: 'message', channel: ev.channelId, channel_type: 'channel' });
      const parsed = parseSlackMessage(slack);
      if (parsed.action !== 'capture') throw new Error(`event ${i} ignored: ${parsed.reason}`);
      const m = parsed.message;
      expect({ kind: m.kind, channelId: m.channelId, messageId: m.messageId }).toEqual({ kind: ev.kind, channelId: ev.channelId, messageId: ev.messageId });
      expect(m.ts.getTime()).toBe(ev.ts.getTime());
      if (ev.kind === 'new') {
        expect(m.text).toBe(ev.text);
        expect(m.author?.userId).toBe(ev.author?.userId);
        // A reply carries its root's thread_ts; a root has none when posted.
        expect(m.threadId).toBe(ev.threadId === ev.messageId ? null : (ev.threadId ?? null));
      } else if (ev.kind === 'edit') {
        expect(slack.subtype).toBe('message_changed');
        expect(m.text).toBe(ev.text);
        expect(m.editedAt?.getTime()).toBe(ev.editedAt!.getTime());
      } else {
        if (slack.subtype === 'message_changed') tombstones++;
        else expect(slack).toMatchObject({ subtype: 'message_deleted', deleted_ts: ev.messageId });
        expect(m.deletedAt?.getTime()).toBe(ev.deletedAt!.getTime());
      }
    });
    expect(stream.counts.threads).toBeGreaterThan(0);
    expect(replied.size).toBeGreaterThan(0);
    expect(stream.counts.edits).toBeGreaterThan(10);
    expect(stream.counts.deletes).toBeGreaterThan(5);
    expect(tombstones).toBeLessThanOrEqual(stream.counts.deletes);
    // Every author is in the directory; agents are the user group's members.
    for (const ev of stream.events) if (ev.author) expect(ws.users.get(ev.author.userId)?.real_name).toBe(ev.author.name);
    expect(new Set(ws.agentIds)).toEqual(new Set(stream.events.filter((e) => e.author?.role === 'agent').map((e) => e.author!.userId)));
  });
});
