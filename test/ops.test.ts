// Operations: /metrics in Prometheus text format and the bull-board queue dashboard behind basic auth, on
// the real CLI process; the capture counters through the Metrics class on a real CaptureService.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../src/http/metrics.js';
import { basicAuthMatches } from '../src/http/dashboard.js';
import { loadConfig } from '../src/config.js';
import { CaptureService } from '../src/capture/capture.js';
import { startPipeline, slackMessage, type Pipeline } from './helpers/pipeline.js';
import { runCli, type CliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/servers.js';
import { until } from './faults/harness.js';

let p: Pipeline;
let app: CliProcess | null = null;
let base = '';
const USER = 'ops';
const PASSWORD = 'a-long-dashboard-password';
const auth = (u: string, pw: string) => `Basic ${Buffer.from(`${u}:${pw}`).toString('base64')}`;

beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
  const port = await freePort();
  const mongoUrl = new URL(p.env.mongoUrl);
  mongoUrl.pathname = `/${p.env.dbName}`;
  app = runCli(['start'], {
    MONGO_URL: mongoUrl.toString(),
    REDIS_URL: p.env.redisUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    QUEUE_PREFIX: p.env.prefix,
    LOG_LEVEL: 'info',
    DASHBOARD_USER: USER,
    DASHBOARD_PASSWORD: PASSWORD,
  });
  base = `http://127.0.0.1:${port}`;
  await app.waitForLog(/"msg":"http listening"/, 120_000);
}, 180_000);

afterAll(async () => {
  await app?.kill('SIGTERM');
  await p?.close();
});

describe('/metrics', () => {
  it('serves Prometheus text with jobs processed, tag latency and queue depth after a message is tagged', async () => {
    const out = await p.capture.capture(slackMessage({ workspaceId: 'TOPS' }));
    await p.waitForTag(out.messageKey, 0);
    const text = await until(
      'the tag job in /metrics',
      async () => {
        const res = await fetch(`${base}/metrics`);
        const body = await res.text();
        return res.status === 200 && res.headers.get('content-type')?.startsWith('text/plain') && /support_history_jobs_processed_total\{queue="tag"\} 1\b/.test(body) ? body : null;
      },
      30_000,
      250,
    );
    expect(text).toMatch(/^# TYPE support_history_tag_latency_seconds histogram$/m);
    expect(text).toMatch(/^support_history_tag_latency_seconds_count 1$/m);
    expect(text).toMatch(/^support_history_job_duration_seconds_count\{queue="tag"\} 1$/m);
    expect(text).toMatch(/^support_history_queue_depth\{queue="tag",state="completed"\} 1$/m);
    expect(text).toMatch(/^support_history_queue_depth\{queue="tag",state="waiting"\} 0$/m);
    expect(text).toMatch(/^# TYPE support_history_jobs_failed_total counter$/m);
    expect(text).toMatch(/^support_history_process_resident_memory_bytes \d+/m);
  });

  it('counts captured events by platform and outcome, and rejected ones', async () => {
    const metrics = new Metrics(p.env.log);
    const capture = new CaptureService({ queue: p.queues, log: p.env.log, maxMessageChars: 100_000 });
    metrics.observeCapture(capture);
    const m = slackMessage({ workspaceId: 'TOPS2' });
    await capture.capture(m);
    await capture.capture(m);
    await expect(capture.capture({ ...m, workspaceId: { $gt: '' } })).rejects.toThrow(/workspaceId/);
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toMatch(/^support_history_events_captured_total\{platform="slack",status="stored"\} 1$/m);
    expect(body).toMatch(/^support_history_events_captured_total\{platform="slack",status="duplicate"\} 1$/m);
    expect(body).toMatch(/^support_history_events_rejected_total\{platform="slack",reason="rejected"\} 1$/m);
  });
});

describe('queue dashboard', () => {
  it('refuses requests without the right credentials, with a log line', async () => {
    for (const header of [undefined, auth(USER, 'wrong-password-123'), auth('admin', PASSWORD), 'Bearer x', 'Basic !!!']) {
      const res = await fetch(`${base}/admin/queues`, { headers: header ? { authorization: header } : {} });
      expect(res.status, String(header)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    expect((await fetch(`${base}/admin/queues/api/queues`)).status).toBe(401);
    expect(app!.out()).toMatch(/"msg":"queue dashboard: authentication failed"/);
  });

  it('serves bull-board and its API for the configured user', async () => {
    const page = await fetch(`${base}/admin/queues`, { headers: { authorization: auth(USER, PASSWORD) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: auth(USER, PASSWORD) } });
    expect(api.status).toBe(200);
    const json = (await api.json()) as { queues: Array<{ name: string }> };
    expect(json.queues.map((q) => q.name).sort()).toEqual(['maintenance', 'tag', 'tag-chunk']);
  });

  it('needs both credentials, a long password, and compares them exactly', () => {
    expect(loadConfig({}).dashboard).toBeUndefined();
    expect(() => loadConfig({ DASHBOARD_USER: 'ops' })).toThrow(/DASHBOARD_PASSWORD is required/);
    expect(() => loadConfig({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'short' })).toThrow(/at least 12/);
    const cfg = { user: 'ops', password: 'pass:with:colons' };
    expect(basicAuthMatches(auth('ops', 'pass:with:colons'), cfg)).toBe(true);
    expect(basicAuthMatches(auth('ops', 'pass:with:colon'), cfg)).toBe(false);
    expect(basicAuthMatches(auth('ops ', 'pass:with:colons'), cfg)).toBe(false);
    expect(basicAuthMatches(undefined, cfg)).toBe(false);
  });
});
