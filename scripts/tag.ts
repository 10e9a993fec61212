// `npm run -s tag`: JSON lines in ({"text": "…", "platform": "slack" | "discord", "role"?: "customer" | "agent"}),
// one JSON line out per line in, in order, with the worker's tagger and model. Nothing else goes to stdout;
// a line that cannot be read gets {"error": "…"} in its place.
import { loadTagger } from '../src/nlp/tagger.js';
import type { TagInput } from '../src/nlp/types.js';

const tagger = loadTagger();
const out: string[] = [];

function flush(): void {
  if (out.length > 0) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
}

function handle(line: string): void {
  if (line.trim() === '') return;
  let input: Partial<TagInput>;
  try {
    input = JSON.parse(line) as Partial<TagInput>;
  } catch {
    out.push(JSON.stringify({ error: 'not a JSON object' }));
    return;
  }
  if (typeof input?.text !== 'string') {
    out.push(JSON.stringify({ error: 'text must be a string' }));
    return;
  }
  const platform = input.platform === 'discord' ? 'discord' : 'slack';
  const role = input.role === 'agent' || input.role === 'bot' ? input.role : 'customer';
  const r = tagger.tag({ text: input.text, platform, role });
  out.push(
    JSON.stringify({
      needs: r.needs,
      sentiment: r.sentiment,
      language: r.language,
      model: r.model,
      ...(r.untaggedReason ? { untaggedReason: r.untaggedReason } : {}),
    }),
  );
}

let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop() ?? '';
  for (const l of lines) handle(l);
  flush();
});
process.stdin.on('end', () => {
  handle(rest);
  flush();
});
