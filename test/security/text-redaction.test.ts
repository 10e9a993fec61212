// Optional redaction of card numbers and similar secrets in stored message text (REDACT_SECRETS_IN_TEXT).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService } from '../../src/capture/capture.js';
import { luhnValid, redactSecrets } from '../../src/capture/redact.js';
import { loadConfig } from '../../src/config.js';
import { Message } from '../../src/db/models.js';
import { startPipeline, slackMessage, type Pipeline } from '../helpers/pipeline.js';

describe('redactSecrets (pure)', () => {
  it('replaces Luhn-valid card numbers in any common spacing, keeping the last four digits', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    for (const card of ['4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '5500 0000 0000 0004', '3782 822463 10005']) {
      const r = redactSecrets(`my card is ${card}, please refund`);
      expect(r.text, card).not.toContain(card);
      expect(r.text).toMatch(/my card is \[redacted card ••••\d{4}\], please refund/);
      expect(r.redacted).toBe(1);
    }
  });

  it('leaves order numbers, phone numbers, dates and amounts alone', () => {
    for (const text of ['order 1234 5678 9012 3456 is late', 'call +1 415 555 0100', 'on 2026-11-23 I paid $1,250.00', 'ticket #4111111111111112']) {
      expect(redactSecrets(text)).toEqual({ text, redacted: 0 });
    }
  });

  it('replaces API keys, tokens, private keys and passwords', () => {
    const text = [
      'slack xoxb-1234567890-0987654321-AbCdEfGhIjKl',
      'stripe sk_live_51HxAbCdEfGhIjKlMnOpQr',
      'aws AKIAIOSFODNN7EXAMPLE',
      'github ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'header Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      'password: hunter2hunter2',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    ].join('\n');
    const r = redactSecrets(text);
    for (const secret of ['xoxb-1234567890', 'sk_live_51Hx', 'AKIAIOSFODNN7EXAMPLE', 'ghp_abcdef', 'eyJhbGciOiJIUzI1NiJ9', 'hunter2', 'MIIEowIBAAKCAQEA']) {
      expect(r.text).not.toContain(secret);
    }
    expect(r.redacted).toBe(7);
    expect(r.text).toContain('slack [redacted token]');
  });
});

describe('capture with REDACT_SECRETS_IN_TEXT', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline(import.meta.filename, { worker: false });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('is off by default and configurable', () => {
    expect(loadConfig({}).redactSecretsInText).toBe(false);
    expect(loadConfig({ REDACT_SECRETS_IN_TEXT: 'true' }).redactSecretsInText).toBe(true);
    expect(() => loadConfig({ REDACT_SECRETS_IN_TEXT: 'maybe' })).toThrow(/REDACT_SECRETS_IN_TEXT must be true or false/);
  });

  it('stores the redacted text when on (new messages and edits), the original when off', async () => {
    const on = new CaptureService({ queue: p.queues, log: p.env.log, maxMessageChars: 100_000, redactSecrets: true });
    const text = 'charge 4111 1111 1111 1111 again? key sk_live_51HxAbCdEfGhIjKlMnOpQr';
    const m = slackMessage({ workspaceId: 'TRED', text });
    const stored = await on.capture(m);
    expect((await Message.findById(stored.messageKey).lean())?.text).toBe('charge [redacted card ••••1111] again? key [redacted key]');
    await on.capture({ ...m, kind: 'edit', text: 'new card 5500-0000-0000-0004', editedAt: new Date(m.ts.getTime() + 60_000) });
    expect((await Message.findById(stored.messageKey).lean())?.text).toBe('new card [redacted card ••••0004]');

    const plain = await p.capture.capture(slackMessage({ workspaceId: 'TRED', text }));
    expect((await Message.findById(plain.messageKey).lean())?.text).toBe(text);
  });
});
