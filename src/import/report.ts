// Terminal text for an import's progress line and final summary (pure).
import type { ImportProgress, ImportSummary } from './run.js';

const num = (n: number): string => n.toLocaleString('en-US');

/** "the one file" or "all 3 files": what an import of every one of `n` things takes. */
export function allOf(n: number, noun: string, nouns = `${noun}s`): string {
  return n === 1 ? `the one ${noun}` : `all ${num(n)} ${nouns}`;
}

export function formatProgress(p: ImportProgress): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round((p.stored + p.duplicates) / secs) : 0;
  const pct = p.total > 0 ? Math.floor((p.done * 100) / p.total) : 100;
  const width = 24;
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${num(p.done)}/${num(p.total)} · ${num(p.stored)} new · ${num(p.duplicates)} duplicates · ${num(p.rejected)} rejected · ${num(rate)} msg/s`;
}

const MAX_LISTED = 50;

export function formatSummary(s: ImportSummary, label: string): string {
  const lines: string[] = [];
  lines.push(`Imported ${s.platform} export ${label} in ${(s.elapsedMs / 1000).toFixed(1)} s (${num(s.rate)} messages/s${s.via === 'capture' ? ', one by one through capture' : ''})`);
  lines.push(`  read        ${num(s.read)} messages`);
  lines.push(`  imported    ${num(s.stored)}`);
  lines.push(`  duplicates  ${num(s.duplicates)} (already stored, left as they were)`);
  if (s.updated > 0) lines.push(`  updated     ${num(s.updated)} (edits, deletes, deleted-message placeholders)`);
  const skipped = Object.entries(s.skipped).sort(([a], [b]) => a.localeCompare(b));
  if (skipped.length > 0) lines.push(`  skipped     ${skipped.map(([reason, n]) => `${num(n)} ${reason}`).join(', ')}`);
  lines.push(`  rejected    ${num(s.rejections.length)}`);
  if (s.notQueued > 0) lines.push(`  not queued  ${num(s.notQueued)} (Redis unavailable: the worker's sweeper will tag them)`);
  if (s.rejections.length > 0) {
    const rest = s.stored + s.updated > 0 ? 'everything else was imported' : s.duplicates > 0 ? 'everything else was already stored' : 'nothing was imported';
    lines.push('', `Rejected (${rest}):`);
    for (const r of s.rejections.slice(0, MAX_LISTED)) lines.push(`  ${r.file}, ${r.position}: ${r.reason}`);
    if (s.rejections.length > MAX_LISTED) lines.push(`  … and ${num(s.rejections.length - MAX_LISTED)} more (see the log)`);
  }
  if (s.stored > 0) lines.push('', 'Tagging continues in the worker (support-history worker).');
  return `${lines.join('\n')}\n`;
}
