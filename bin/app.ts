// Composition root: wires config, storage, queues, worker, HTTP and adapters for one process.
import type { Config } from '../src/config.js';
import { CaptureService } from '../src/capture/capture.js';
import { connectMongo, disconnectMongo, ensureIndexes, pingMongo } from '../src/db/connection.js';
import { ensureCollections } from '../src/db/collections.js';
import { ensureLayout } from '../src/history/layout.js';
import { setReadModelPartitions } from '../src/history/store.js';
import { setupDocLocks } from '../src/db/doc-lock.js';
import { HttpServer, sendJson } from '../src/http/server.js';
import { Metrics } from '../src/http/metrics.js';
import { createDashboard, DASHBOARD_PATH } from '../src/http/dashboard.js';
import type { Logger } from '../src/logger.js';
import { loadTagger } from '../src/nlp/tagger.js';
import type { PlatformAdapter } from '../src/platform.js';
import { checkRedis, Queues } from '../src/queue.js';
import { startWorkers, type WorkerHandle } from '../jobs/worker.js';
import { startDigestWorker } from '../jobs/digest.js';
import { startSurveyWorker } from '../jobs/survey.js';
import { createAdapters } from '../adapters/index.js';

export type Mode = 'all' | 'bot' | 'worker';

export interface RunningApp {
  port: number | null;
  adapters: PlatformAdapter[];
  stop(): Promise<void>;
}

/**
 * Connects to MongoDB and checks that Redis answers, both at once, each within CONNECT_TIMEOUT_SECONDS.
 * Throws a ServiceUnreachableError (one line naming the service, its address and its variable), or an
 * AggregateError of both when neither answers.
 */
export async function connectServices(config: Config, log: Logger, opts: { dbName?: string } = {}): Promise<void> {
  const [mongo, redis] = await Promise.allSettled([
    connectMongo(config.mongoUrl, log.child({ component: 'mongo' }), { ...(opts.dbName ? { dbName: opts.dbName } : {}), serverSelectionTimeoutMS: config.connectTimeoutMs }),
    checkRedis(config.redisUrl, config.connectTimeoutMs),
  ]);
  const failed = [mongo, redis].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  if (failed.length === 0) return;
  if (mongo.status === 'fulfilled') await disconnectMongo();
  throw failed.length === 1 ? failed[0] : new AggregateError(failed, failed.map((e) => e.message).join('; '));
}

export async function startApp(mode: Mode, config: Config, log: Logger, opts: { dbName?: string } = {}): Promise<RunningApp> {
  await connectServices(config, log, opts);
  await ensureIndexes();
  setReadModelPartitions(config.readModelPartitions);
  await ensureLayout(config.readModelPartitions);
  // Before any event is taken: on FerretDB, a collection created mid-stream can be left half-made by a crash.
  await ensureCollections(log.child({ component: 'mongo' }));
  const releaseLocks = await setupDocLocks({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
  const queues = new Queues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log: log.child({ component: 'queue' }), survey: config.survey });
  await queues.ready(config.connectTimeoutMs);

  let worker: WorkerHandle | null = null;
  if (mode !== 'bot') {
    worker = await startWorkers({ config, log: log.child({ component: 'worker' }), queues, tagger: loadTagger() });
  }

  // The bot always serves HTTP (health, Slack events); a lone worker serves health too so it can be probed.
  const http = new HttpServer(log.child({ component: 'http' }));
  http.addReadinessCheck({ name: 'mongodb', check: pingMongo });
  http.addReadinessCheck({ name: 'redis', check: () => queues.ping() });
  const metrics = new Metrics(log.child({ component: 'metrics' }));
  metrics.observeQueues([queues.tag, queues.tagChunk, queues.maintenance]);
  if (worker) metrics.observeWorkers(worker.workers);
  http.route('GET', '/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  if (config.dashboard) {
    http.mount(DASHBOARD_PATH, createDashboard([queues.tag, queues.tagChunk, queues.maintenance], config.dashboard, log.child({ component: 'dashboard' })));
  } else {
    http.mount(DASHBOARD_PATH, (_req, res) => sendJson(res, 404, { error: 'queue dashboard is off (set DASHBOARD_USER and DASHBOARD_PASSWORD)' }));
  }

  let adapters: PlatformAdapter[] = [];
  if (mode !== 'worker') {
    const capture = new CaptureService({
      queue: queues,
      log: log.child({ component: 'capture' }),
      maxMessageChars: config.maxMessageChars,
      redactSecrets: config.redactSecretsInText,
      maxInFlight: config.captureConcurrency,
      maxQueued: config.captureQueueLimit,
    });
    metrics.observeCapture(capture);
    adapters = await createAdapters(config, { capture, http, queues, log }, log);
    if (adapters.length === 0) {
      log.warn(
        mode === 'all'
          ? 'no platform configured (set SLACK_BOT_TOKEN or DISCORD_TOKEN): running the worker and /healthz only'
          : 'no platform configured (set SLACK_BOT_TOKEN or DISCORD_TOKEN): serving /healthz only',
      );
    }
  }
  // A lone worker has a port of its own (WORKER_PORT, any free one by default), so any number of workers run
  // on one host beside a bot.
  const port = await http.listen(mode === 'worker' ? config.workerPort : config.port, config.host);
  for (const a of adapters) await a.start();
  // The weekly digest posts through the adapters, so its worker runs where they are.
  const digestWorker =
    adapters.length > 0
      ? await startDigestWorker({ adapters, config, log: log.child({ component: 'digest' }), redisUrl: config.redisUrl, prefix: config.queuePrefix })
      : null;
  // Surveys are posted through the adapters too.
  const surveyWorker =
    adapters.length > 0
      ? startSurveyWorker({ adapters, defaults: config.survey, timeZone: config.timeZone, log: log.child({ component: 'survey' }), redisUrl: config.redisUrl, prefix: config.queuePrefix })
      : null;

  let stopping: Promise<void> | null = null;
  return {
    port,
    adapters,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down');
        for (const a of adapters) await a.stop().catch((err) => log.error({ err: (err as Error).message, platform: a.platform }, 'adapter stop failed'));
        await http.close();
        if (digestWorker) await digestWorker.close();
        if (surveyWorker) await surveyWorker.close();
        if (worker) await worker.close();
        await queues.close();
        releaseLocks();
        await disconnectMongo();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
