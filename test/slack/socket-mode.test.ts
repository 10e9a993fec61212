// Socket Mode (SLACK_APP_TOKEN set): the real Bolt app connects to a loopback fake of Slack's Socket Mode
// server; an envelope is acknowledged only after its message is stored, so a failed store is redelivered.
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { connectMongo } from '../../src/db/connection.js';
import { Message } from '../../src/db/models.js';
import { createLogger } from '../../src/logger.js';
import { FAILURE } from '../../adapters/slack/commands.js';
import { FakeSlackSocket } from '../fakes/slack-socket.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
let socket: FakeSlackSocket;
const logLines: Array<Record<string, unknown>> = [];
const logEvents = new Writable({
  write(chunk, _enc, done) {
    const rec = JSON.parse(String(chunk)) as Record<string, unknown>;
    logLines.push(rec);
    logEvents.emit('record', rec);
    done();
  },
});

/** Resolves with the first log record that matches (as it is written; never polled). */
function waitForLog(match: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const found = logLines.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const on = (r: Record<string, unknown>): void => {
      if (!match(r)) return;
      logEvents.off('record', on);
      resolve(r);
    };
    logEvents.on('record', on);
  });
}

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  socket = new FakeSlackSocket();
  await socket.start();
  h.fake.socketUrl = socket.url;
  await h.startAdapter({}, { appToken: 'xapp-1-A0APP-test', signingSecret: undefined }, createLogger('warn', logEvents));
});
afterAll(async () => {
  await h?.close();
  await socket?.close();
});

function envelope(event: Record<string, unknown>): Record<string, unknown> {
  return { token: 't', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event };
}

describe('Socket Mode', () => {
  it('acknowledges an event after storing its message', async () => {
    expect(h.adapter.mode).toBe('socket');
    const ts = slackTs();
    const id = socket.send('events_api', envelope({ type: 'message', channel: SUPPORT, channel_type: 'channel', user: 'UCUST1', ts, text: 'hello over the socket' }));
    const ack = await socket.waitForAck(id, 60_000);
    expect(ack).toMatchObject({ envelope_id: id });
    expect(await Message.findById(messageKey('slack', TEAM, SUPPORT, ts)).lean()).toMatchObject({ text: 'hello over the socket', source: 'live' });
  }, 90_000);

  it('does not acknowledge while the database is down; the redelivery is stored once and acknowledged', async () => {
    const ts = slackTs();
    const event = { type: 'message', channel: SUPPORT, channel_type: 'channel', user: 'UCUST1', ts, text: 'sent during the outage' };
    const dbName = mongoose.connection.db!.databaseName;
    await mongoose.disconnect();
    mongoose.set('bufferTimeoutMS', 300);
    let first: string;
    try {
      first = socket.send('events_api', envelope(event));
      await waitForLog((r) => r.envelopeId === first && r.msg === 'slack event not acknowledged; Slack will redeliver it');
    } finally {
      await connectMongo(h.p.env.mongoUrl, h.p.env.log, { dbName });
    }
    expect(socket.acks.find((a) => a.envelope_id === first)).toBeUndefined();
    const retry = socket.send('events_api', envelope(event), 1);
    expect(await socket.waitForAck(retry, 60_000)).not.toBeNull();
    expect(await Message.countDocuments({ messageId: ts })).toBe(1);
  }, 120_000);

  function historyCommand(responseId: string): string {
    return socket.send('slash_commands', {
      token: 't',
      team_id: TEAM,
      channel_id: SUPPORT,
      user_id: 'UAGENT1',
      command: '/history',
      text: '<@UCUST1|carol>',
      api_app_id: 'A0APP',
      response_url: h.fake.responseUrl(responseId),
      trigger_id: '1.2.3',
    });
  }

  it('acknowledges a slash command with an empty ack and answers through response_url', async () => {
    const id = historyCommand('socket-history');
    expect(await socket.waitForAck(id, 60_000)).toEqual({ envelope_id: id, payload: {} });
    const post = await h.fake.waitForResponse('socket-history');
    expect((post.body.blocks as Array<{ text?: { text?: string } }>)[0]?.text?.text).toBe('Customer: Carol Customer');
  });

  // The ack does not wait for the answer (Slack shows the agent an error after 3 s without one): with the
  // database unreachable the answer cannot be built, and the command is acknowledged all the same.
  it('acknowledges a slash command whose answer cannot be built, and tells the agent it failed', async () => {
    const dbName = mongoose.connection.db!.databaseName;
    await mongoose.disconnect();
    let id: string;
    try {
      id = historyCommand('socket-history-down');
      const post = await h.fake.waitForResponse('socket-history-down');
      expect(post.body).toMatchObject({ response_type: 'ephemeral', text: FAILURE });
    } finally {
      await connectMongo(h.p.env.mongoUrl, h.p.env.log, { dbName });
    }
    expect(await socket.waitForAck(id, 60_000)).toEqual({ envelope_id: id, payload: {} });
  });
});
