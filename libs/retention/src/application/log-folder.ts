import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type Actor, DomainError } from '@app/event-store';
import { ProblemException } from '@app/platform';
import type { ArtefactSource } from '../domain';
import { type IngestRequest, type IngestResult, LogIngestService } from './log-ingest.service';

/** A file on disk as an ingest request: without from/to, its modification time stands for the period. */
export function fileIngestRequest(
  file: string,
  modified: Date,
  o: { aiSystemId: string; from?: string; to?: string; kind?: string; sha256?: string; channel: ArtefactSource['channel'] },
): IngestRequest {
  const to = o.to ? new Date(o.to) : modified;
  const from = o.from ? new Date(o.from) : to;
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('from and to must be date-times');
  const contentType = file.endsWith('.ndjson') || file.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/octet-stream';
  return {
    aiSystemId: o.aiSystemId.toLowerCase(),
    periodFrom: from.toISOString(),
    periodTo: to.toISOString(),
    kind: o.kind,
    source: { channel: o.channel, contentType, filename: basename(file) },
    expectedSha256: o.sha256?.toLowerCase(),
  };
}

export interface LogFolderOptions {
  dir: string;
  aiSystemId: string;
  kind?: string;
  /** A file is complete once its size and modification time stay the same this long. */
  stableMs: number;
  /** Milliseconds now; injectable so tests decide when "stable" is reached. */
  now?: () => number;
}

export interface LogFolderScan {
  ingested: Array<{ file: string; artefactId: string; sha256: string; duplicate: boolean }>;
  /** Refused content (empty, purged before): moved to failed/ with a `.error.json` beside it. */
  failed: Array<{ file: string; code: string }>;
  /** Seen but not yet stable, or still changing. */
  waiting: string[];
}

/** Names a writer uses while it is still writing: never picked up. */
const IN_PROGRESS = /^\.|\.(part|partial|tmp|crdownload)$|~$/;

/**
 * A watched inbox folder for AI-system logs. Each scan ingests every file that is complete —
 * unchanged in size and modification time for `stableMs`, and not named as in progress
 * (`*.part`, `*.tmp`, dot files) — then moves it to `done/`. Crash-safe without state of its own:
 * the content is recorded before the file moves, and ingesting the same content again is answered
 * as a duplicate (the artefact id derives from the SHA-256), so a file whose move a crash
 * prevented is moved on the next scan without a second record.
 */
export class LogFolder {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private readonly now: () => number;

  constructor(
    private readonly ingest: LogIngestService,
    private readonly options: LogFolderOptions,
    private readonly actor: Actor,
  ) {
    this.now = options.now ?? Date.now;
  }

  get doneDir(): string {
    return join(this.options.dir, 'done');
  }

  get failedDir(): string {
    return join(this.options.dir, 'failed');
  }

  /** Checks the AI system once, before any file is read, and creates done/ and failed/. */
  async prepare(): Promise<void> {
    await this.ingest.checkSystem(this.options.aiSystemId.toLowerCase());
    await mkdir(this.doneDir, { recursive: true });
    await mkdir(this.failedDir, { recursive: true });
  }

  async scan(): Promise<LogFolderScan> {
    const result: LogFolderScan = { ingested: [], failed: [], waiting: [] };
    const entries = await readdir(this.options.dir, { withFileTypes: true });
    const present = new Set<string>();
    for (const entry of entries) {
      if (!entry.isFile() || IN_PROGRESS.test(entry.name)) continue;
      present.add(entry.name);
      const file = join(this.options.dir, entry.name);
      const info = await stat(file).catch(() => null);
      if (!info) continue;
      const last = this.seen.get(entry.name);
      if (!last || last.size !== info.size || last.mtimeMs !== info.mtimeMs) {
        this.seen.set(entry.name, { size: info.size, mtimeMs: info.mtimeMs, since: this.now() });
        result.waiting.push(entry.name);
        continue;
      }
      if (this.now() - last.since < this.options.stableMs) {
        result.waiting.push(entry.name);
        continue;
      }
      await this.take(entry.name, info.mtime, result);
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    return result;
  }

  private async take(name: string, modified: Date, result: LogFolderScan): Promise<void> {
    const file = join(this.options.dir, name);
    let ingested: IngestResult;
    try {
      const request = fileIngestRequest(file, modified, { aiSystemId: this.options.aiSystemId, kind: this.options.kind, channel: 'folder' });
      ingested = await this.ingest.ingest(createReadStream(file), request, this.actor);
    } catch (err) {
      // Refused content stays refused: set aside with the reason. Anything else (disk, database) is retried.
      const refused = err instanceof DomainError ? err.status < 500 : err instanceof ProblemException && err.getStatus() < 500;
      if (!refused) throw err;
      const { code, message } = err as DomainError | ProblemException;
      await writeFile(join(this.failedDir, `${name}.error.json`), `${JSON.stringify({ code, detail: message })}\n`);
      await this.moveInto(this.failedDir, name);
      this.seen.delete(name);
      result.failed.push({ file: name, code });
      return;
    }
    const after = await stat(file);
    if (after.size !== ingested.sizeBytes) {
      // Written to while it was read: what was read is recorded; the grown file is taken again once stable.
      this.seen.delete(name);
      result.waiting.push(name);
      return;
    }
    await this.moveInto(this.doneDir, name, ingested.sha256);
    this.seen.delete(name);
    result.ingested.push({ file: name, artefactId: ingested.artefactId, sha256: ingested.sha256, duplicate: ingested.duplicate });
  }

  /** Renames into `dir` (same file system: atomic) and fsyncs both folders so the move survives a crash. */
  private async moveInto(dir: string, name: string, sha256?: string): Promise<void> {
    let target = join(dir, name);
    if (await stat(target).catch(() => null)) {
      const ext = extname(name);
      target = join(dir, `${name.slice(0, name.length - ext.length)}.${sha256?.slice(0, 12) ?? this.now()}${ext}`);
    }
    await rename(join(this.options.dir, name), target);
    await fsyncDir(dir);
    await fsyncDir(this.options.dir);
  }

  /** Scans every `intervalMs` until the signal aborts; a failing scan is reported and retried. */
  async watch(intervalMs: number, signal: AbortSignal, report: (scan: LogFolderScan | Error) => void): Promise<void> {
    await this.prepare();
    while (!signal.aborted) {
      try {
        const scan = await this.scan();
        if (scan.ingested.length || scan.failed.length) report(scan);
      } catch (err) {
        report(err as Error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
