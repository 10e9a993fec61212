// Tolerant JSON reading for export files (pure). A whole file is parsed with JSON.parse; when that fails
// (a corrupt or truncated file), the file is walked element by element so every complete message before
// the damage is still returned, together with the position (byte offset, line, column) of the damage.

export interface JsonProblem {
  /** Character offset in the file where the damage was found. */
  offset: number;
  line: number;
  column: number;
  message: string;
}

export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: end - last };
}

function problem(text: string, offset: number, message: string): JsonProblem {
  return { offset, ...positionOf(text, offset), message };
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Finds the end (exclusive) of the JSON value starting at `start`, by matching brackets outside strings.
 * Returns -1 when the text ends first. Does not validate: the slice is then given to JSON.parse.
 */
function valueEnd(text: string, start: number): number {
  const c = text[start];
  if (c === '"') {
    for (let i = start + 1; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x5c) i++;
      else if (ch === 0x22) return i + 1;
    }
    return -1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        while (i < text.length) {
          const s = text.charCodeAt(i);
          if (s === 0x5c) i += 2;
          else if (s === 0x22) break;
          else i++;
        }
        if (i >= text.length) return -1;
      } else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // number, true, false, null
  let i = start;
  while (i < text.length && !/[,\]}\s]/.test(text[i]!)) i++;
  return i;
}

export interface ArrayScan {
  items: unknown[];
  problem: JsonProblem | null;
}

/** Reads the elements of the array that starts at `start` one by one, stopping at the first damaged one. */
function scanArray(text: string, start: number): ArrayScan & { end: number } {
  const items: unknown[] = [];
  let i = skipWs(text, start + 1);
  if (text[i] === ']') return { items, problem: null, end: i + 1 };
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length) return { items, problem: problem(text, i, 'file ends inside an array (truncated)'), end: -1 };
    const end = valueEnd(text, i);
    if (end < 0) return { items, problem: problem(text, i, `element ${items.length} is cut off (truncated file)`), end: -1 };
    try {
      items.push(JSON.parse(text.slice(i, end)));
    } catch (err) {
      return { items, problem: problem(text, i, `element ${items.length} is not valid JSON: ${(err as Error).message}`), end: -1 };
    }
    i = skipWs(text, end);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') return { items, problem: null, end: i + 1 };
    return { items, problem: problem(text, i, `expected , or ] after element ${items.length - 1}`), end: -1 };
  }
}

/** A file whose top level is an array (a Slack day file, channels.json, users.json). */
export function readJsonArray(text: string): ArrayScan {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    const value = JSON.parse(clean) as unknown;
    if (!Array.isArray(value)) return { items: [], problem: problem(clean, 0, 'expected a JSON array at the top level') };
    return { items: value, problem: null };
  } catch {
    const start = skipWs(clean, 0);
    if (clean[start] !== '[') return { items: [], problem: problem(clean, start, 'expected a JSON array at the top level') };
    const { items, problem: p } = scanArray(clean, start);
    return { items, problem: p ?? problem(clean, clean.length, 'unexpected content after the array') };
  }
}

export interface ObjectScan {
  /** The keys read completely (for `arrayKey`, the complete elements). */
  value: Record<string, unknown>;
  problem: JsonProblem | null;
}

/**
 * A file whose top level is an object holding one big array (a DiscordChatExporter file: `messages`).
 * On damage, every complete key before it is kept, and of `arrayKey` every complete element.
 */
export function readJsonObjectWithArray(text: string, arrayKey: string): ObjectScan {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    const value = JSON.parse(clean) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { value: {}, problem: problem(clean, 0, 'expected a JSON object at the top level') };
    }
    return { value: value as Record<string, unknown>, problem: null };
  } catch {
    const value: Record<string, unknown> = {};
    let i = skipWs(clean, 0);
    if (clean[i] !== '{') return { value, problem: problem(clean, i, 'expected a JSON object at the top level') };
    i = skipWs(clean, i + 1);
    for (;;) {
      if (clean[i] === '}') return { value, problem: problem(clean, i + 1, 'unexpected content after the object') };
      if (clean[i] !== '"') return { value, problem: problem(clean, i, i >= clean.length ? 'file ends inside the object (truncated)' : 'expected a key') };
      const keyEnd = valueEnd(clean, i);
      if (keyEnd < 0) return { value, problem: problem(clean, i, 'file ends inside a key (truncated)') };
      let key: string;
      try {
        key = JSON.parse(clean.slice(i, keyEnd)) as string;
      } catch (err) {
        return { value, problem: problem(clean, i, `bad key: ${(err as Error).message}`) };
      }
      i = skipWs(clean, keyEnd);
      if (clean[i] !== ':') return { value, problem: problem(clean, i, `expected : after "${key}"`) };
      i = skipWs(clean, i + 1);
      if (key === arrayKey && clean[i] === '[') {
        const scan = scanArray(clean, i);
        value[key] = scan.items;
        if (scan.problem) return { value, problem: scan.problem };
        i = scan.end;
      } else {
        const end = valueEnd(clean, i);
        if (end < 0) return { value, problem: problem(clean, i, `value of "${key}" is cut off (truncated file)`) };
        try {
          value[key] = JSON.parse(clean.slice(i, end));
        } catch (err) {
          return { value, problem: problem(clean, i, `value of "${key}" is not valid JSON: ${(err as Error).message}`) };
        }
        i = end;
      }
      i = skipWs(clean, i);
      if (clean[i] === ',') {
        i = skipWs(clean, i + 1);
        continue;
      }
      if (clean[i] === '}') {
        // The whole object parsed piecewise, so the damage is after it.
        return { value, problem: problem(clean, skipWs(clean, i + 1), 'unexpected content after the object') };
      }
      return { value, problem: problem(clean, i, i >= clean.length ? 'file ends inside the object (truncated)' : `expected , or } after "${key}"`) };
    }
  }
}
