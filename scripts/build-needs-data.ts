// Rebuilds data/needs/public-examples.tsv: real customer queries from public labelled sets, mapped onto the needs
// taxonomy by data/needs/mappings.json (every mapping is written there and in data/README.md):
// - Banking77 train split (PolyAI-LDN/task-specific-datasets @ 57ec275, CC BY 4.0): mapped categories only;
// - NLU++ all folds (same repository, CC BY 4.0): the rules in mappings.json over each row's intent set;
// - CLINC150 train + val splits (clinc/oos-eval @ 828f809, CC BY 3.0): the support intents that map onto a need
//   (the rest is in none-examples.json, built by scripts/build-none-examples.ts);
// - GoEmotions train split (google-research/goemotions, CC BY 4.0): a fixed sample of neutral comments as `none`;
// - HWU64 (xliuhw/NLU-Evaluation-Data @ f6071b4, CC BY 4.0; the repo's copy data/needs/hwu64.tsv, written by
//   scripts/build-hwu64.ts): requests to a home assistant as `none`, but for the intents mappings.json leaves out.
// Never a test split. Dev tool: reads ../shared/data; the product reads only what it writes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkSetTexts } from '../eval/check-set.js';
import { loadBanking77 } from '../eval/datasets.js';

const SHARED = new URL('../../shared/data/', import.meta.url);
const maps = JSON.parse(readFileSync(new URL('../data/needs/mappings.json', import.meta.url), 'utf8')) as {
  banking77: Record<string, string | null>;
  clinc150: Record<string, string | null>;
  clinc150_text_rules: Array<{ intent: string; pattern: string; need: string }>;
  hwu64: Record<string, string | null>;
};

const rows: Array<[string, string, string]> = [];
const clean = (t: string): string => t.replace(/[\t\r\n]+/g, ' ').trim();
const add = (need: string, source: string, text: string): void => {
  const t = clean(text);
  if (t) rows.push([need, source, t]);
};

const unmapped = new Set<string>();
for (const [text, cat] of loadBanking77('train', SHARED)) {
  if (!(cat in maps.banking77)) unmapped.add(cat);
  const need = maps.banking77[cat];
  if (need) add(need, 'banking77', text);
}
if (unmapped.size) throw new Error(`banking77 categories missing from mappings.json: ${[...unmapped].join(', ')}`);

// NLU++: the first matching rule decides (mappings.json "nlupp.rules").
const ACTS = new Set(['affirm', 'dont_know', 'acknowledge', 'greet', 'end_call', 'thank', 'repeat']);
const PAYMENT = ['transfer_payment_deposit', 'card', 'direct_debit', 'standing_order', 'withdrawal', 'fees_interests', 'balance'];
const AMENITY = ['restaurant', 'swimming_pool', 'parking', 'pets', 'accesibility', 'wifi', 'gym', 'spa', 'room_ammenities', 'housekeeping', 'room_service', 'check_in', 'check_out'];
export function nluppNeed(domain: string, intents: string[]): string | null {
  const has = (i: string): boolean => intents.includes(i);
  if (has('deny')) return null;
  if (intents.every((i) => ACTS.has(i))) return 'none';
  if (has('handoff')) return 'contact';
  if (has('refund')) return 'refund';
  if (has('cancel_close_leave_freeze')) return has('account') ? 'account' : 'cancellation';
  if (has('wrong_notworking_notshowing') && has('wifi')) return 'technical';
  if (has('wrong_notworking_notshowing') && PAYMENT.some(has)) return 'billing';
  if (has('fees_interests')) return 'billing';
  if (has('arrival') && (has('card') || has('pin'))) return 'delivery';
  if (has('how') && !has('wrong_notworking_notshowing')) return 'howto';
  if (has('booking') && (has('change') || has('make_open_apply_setup_get_activate'))) return 'order';
  if (domain === 'hotels' && has('request_info') && AMENITY.some(has)) return 'none';
  return null;
}
for (const r of JSON.parse(readFileSync(new URL('nlupp.json', SHARED), 'utf8')) as Array<{ domain: string; text: string; intents: string[] }>) {
  const need = nluppNeed(r.domain, r.intents);
  if (need) add(need, `nlupp-${r.domain}`, r.text);
}

// CLINC150 support intents (train + val only).
const clinc = JSON.parse(readFileSync(new URL('clinc150.json', SHARED), 'utf8')) as Record<string, Array<[string, string]>>;
for (const [text, intent] of [...clinc.train!, ...clinc.val!]) {
  const rule = maps.clinc150_text_rules.find((r) => r.intent === intent && new RegExp(r.pattern, 'i').test(text));
  const need = rule ? rule.need : maps.clinc150[intent];
  if (need) add(need, 'clinc150', text);
}

// GoEmotions: a fixed sample (by hash of the comment id) of train comments labelled neutral only, as "no need"
// (negative comments read like complaints, positive ones like feedback: both are needs here).
const GOEMOTIONS_NONE = Number(process.env.GOEMOTIONS_NONE ?? 3000);
const ge = readFileSync(new URL('goemotions-group-train.tsv', SHARED), 'utf8')
  .split('\n')
  .map((l) => l.split('\t'))
  .filter((c) => c.length >= 3 && c[1] === '2' && c[0]!.length >= 10 && c[0]!.length <= 140 && !c[0]!.includes('[NAME]') && !c[0]!.includes('[RELIGION]'))
  .map((c) => ({ text: c[0]!, key: createHash('sha1').update(c[2]!).digest('hex') }))
  .sort((a, b) => (a.key < b.key ? -1 : 1))
  .slice(0, GOEMOTIONS_NONE);
for (const r of ge) add('none', 'goemotions', r.text);

// HWU64: requests to a home assistant (alarms, lights, music, weather, lists, trivia, …) that state no support need,
// the kind of out-of-scope request CLINC150's oos rows are; intents a customer could say to a business as a need
// (ordering food, booking tickets, cancelling appointments, complaining in a post) or about a product's own features
// (e-mail, contacts, notifications, games, wifi plugs, playlists) are left out (mappings.json "hwu64_not_used").
const hwuUnmapped = new Set<string>();
for (const line of readFileSync(new URL('../data/needs/hwu64.tsv', import.meta.url), 'utf8').split('\n').slice(1)) {
  const [, intent, text] = line.split('\t');
  if (!intent || !text) continue;
  if (!(intent in maps.hwu64)) hwuUnmapped.add(intent);
  const need = maps.hwu64[intent];
  if (need) add(need, 'hwu64', text);
}
if (hwuUnmapped.size) throw new Error(`hwu64 intents missing from mappings.json: ${[...hwuUnmapped].join(', ')}`);

// The real-chat check set is never trained on: a text equal to one of its messages is left out.
const seen = checkSetTexts();
const lines = ['need\tsource\ttext'];
for (const [need, source, text] of rows) {
  const k = text.toLowerCase();
  if (seen.has(k)) continue;
  seen.add(k);
  lines.push(`${need}\t${source}\t${text}`);
}
// OUT_DIR=<dir>: write there instead (to compare data choices with eval/tune-needs.ts or a trial model).
const outDir = process.env.OUT_DIR ? new URL(`file://${process.env.OUT_DIR.replace(/\/?$/, '/')}`) : new URL('../data/needs/', import.meta.url);
writeFileSync(new URL('public-examples.tsv', outDir), lines.join('\n') + '\n');
const counts = new Map<string, number>();
for (const l of lines.slice(1)) counts.set(l.split('\t')[0]!, (counts.get(l.split('\t')[0]!) ?? 0) + 1);
console.error(`wrote ${lines.length - 1} rows: ${[...counts].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
