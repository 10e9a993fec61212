// A seeded, made-up support history for comparing the bulk importer with capture one by one.
import type { CapturedMessage } from '../../src/capture/types.js';
import type { ExportContent, ImportRecord } from '../../src/import/types.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  'I was charged twice on my invoice this month',
  'How do I reset my password?',
  'The app crashes when I open settings',
  'Thanks, that fixed it!',
  'Any update on this?',
  'Can I export my data to CSV?',
];

export function syntheticExport(opts: { seed: number; messages: number; channels?: string[]; start?: Date }): ExportContent {
  const rand = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const channels = opts.channels ?? ['C0SYN0001', 'C0SYN0002'];
  const customers = Array.from({ length: 30 }, (_, i) => `U0CUS${String(i).padStart(4, '0')}`);
  const agents = ['U0AGT0001', 'U0AGT0002', 'U0AGT0003'];
  let t = (opts.start ?? new Date('2026-10-01T08:00:00Z')).getTime();
  const roots = new Map<string, string[]>();
  const records: ImportRecord[] = [];
  for (let i = 0; i < opts.messages; i++) {
    t += Math.floor(rand() * 20 * 60_000); // up to 20 minutes apart: windows both join and split
    const channelId = pick(channels);
    const r = rand();
    const role = r < 0.6 ? 'customer' : r < 0.95 ? 'agent' : 'bot';
    const userId = role === 'customer' ? pick(customers) : role === 'agent' ? pick(agents) : 'B0BOT0001';
    const ts = `${Math.floor(t / 1000)}.${String(i).padStart(6, '0')}`;
    const channelRoots = roots.get(channelId) ?? [];
    let threadId: string | null = null;
    const th = rand();
    if (th < 0.35 && channelRoots.length > 0) threadId = pick(channelRoots.slice(-5));
    else if (th < 0.5) {
      threadId = ts;
      channelRoots.push(ts);
      roots.set(channelId, channelRoots);
    }
    const msg: CapturedMessage = {
      kind: 'new',
      platform: 'slack',
      workspaceId: 'T0SYNTH01',
      channelId,
      channelName: channelId === channels[0] ? 'support' : null,
      messageId: ts,
      threadId,
      author: {
        userId,
        role,
        name: role === 'customer' ? `Customer ${userId.slice(-2)}${rand() < 0.1 ? ' (new name)' : ''}` : role === 'agent' ? `Agent ${userId.slice(-1)}` : 'Bot',
        email: role === 'customer' && rand() < 0.5 ? `${userId.toLowerCase()}@example.com` : null,
        ...(rand() < 0.05 ? { external: true } : {}),
      },
      text: pick(TEXTS),
      ts: new Date(t),
      editedAt: rand() < 0.1 ? new Date(t + 60_000) : null,
      attachments: rand() < 0.1 ? [{ name: 'file.txt', type: 'text/plain', size: 12 }] : [],
      source: 'import',
    };
    records.push({ msg, origin: `synthetic.json#${i}` });
    if (rand() < 0.03) records.push({ msg: { ...msg }, origin: `synthetic.json#${i}-again` });
  }
  return { platform: 'slack', records, rejections: [], skipped: {}, notes: [] };
}
