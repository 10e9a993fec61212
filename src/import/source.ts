// An export on disk: a folder, a .zip (Slack) or a single .json file (DiscordChatExporter), read as files
// named by their path inside the export.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';

export interface ExportSource {
  /** What the operator named (for messages). */
  readonly label: string;
  /** Paths inside the export, with '/' separators, sorted. */
  list(): string[];
  /** The file's text (UTF-8). */
  read(path: string): Promise<string>;
}

export class ExportOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportOpenError';
  }
}

async function walk(dir: string, root: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, root, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/** Opens a folder, a zip file or a single file. Throws ExportOpenError naming the path when it cannot. */
export async function openExport(path: string): Promise<ExportSource> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ExportOpenError(`${path}: no such file or folder`);
  }
  if (info.isDirectory()) {
    const files: string[] = [];
    await walk(path, path, files);
    files.sort();
    return { label: path, list: () => files, read: (p) => readFile(join(path, p), 'utf8') };
  }
  const buf = await readFile(path);
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(buf, { filter: (f) => f.name.endsWith('.json') });
    } catch (err) {
      throw new ExportOpenError(`${path}: not a readable zip file (${(err as Error).message})`);
    }
    const decoder = new TextDecoder('utf-8');
    const names = Object.keys(entries).filter((n) => !n.endsWith('/') && !n.startsWith('__MACOSX/')).sort();
    // A zip made of a folder holds `folder/channels.json`: strip a single common top folder.
    const top = names.every((n) => n.includes('/')) ? names[0]!.split('/')[0] + '/' : '';
    const strip = top !== '' && names.every((n) => n.startsWith(top)) ? top : '';
    const files = names.map((n) => n.slice(strip.length));
    return { label: path, list: () => files, read: async (p) => decoder.decode(entries[strip + p]!) };
  }
  const name = basename(path);
  return { label: path, list: () => [name], read: async () => buf.toString('utf8') };
}
