import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { fileIngestRequest, LogFolder, type LogFolderScan, LogIngestService, type PurgeRunReport, RetentionPurger } from '@app/retention';
import { withAppContext } from '../app-context';
import { progressBar } from '../progress';
import { operatorActor } from './operator';

function withApp<T>(work: (get: <S>(type: new (...args: never[]) => S) => S) => Promise<T>): Promise<T> {
  return withAppContext((app) => work((type) => app.get(type)));
}

export interface LogsIngestOptions {
  system: string;
  from?: string;
  to?: string;
  kind?: string;
  sha256?: string;
}

export async function logsIngest(file: string, o: LogsIngestOptions): Promise<void> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  const request = fileIngestRequest(file, info.mtime, { ...o, aiSystemId: o.system, channel: 'cli' });
  await withApp(async (get) => {
    const bar = progressBar('ingest', 'bytes');
    // Counted on the way through (a 'data' listener on the file itself would start it flowing early).
    let read = 0;
    const content = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bar.update((read += chunk.length), info.size);
        done(null, chunk);
      },
    });
    const file$ = createReadStream(file).on('error', (err) => content.destroy(err));
    file$.pipe(content);
    const result = await get(LogIngestService)
      .ingest(content, request, operatorActor('admin'))
      .finally(() => bar.stop());
    process.stdout.write(`${result.duplicate ? 'Already recorded' : 'Recorded'} ${result.artefactId}  sha256 ${result.sha256}  ${result.sizeBytes} bytes\n`);
  });
}

export interface LogsWatchOptions {
  system: string;
  kind?: string;
  stableMs: string;
  intervalMs: string;
  once?: boolean;
}

/** Watches an inbox folder until SIGINT/SIGTERM (or, with --once, takes what is complete and stops). */
export async function logsWatch(dir: string, o: LogsWatchOptions): Promise<void> {
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a folder`);
  await withApp(async (get) => {
    const folder = new LogFolder(get(LogIngestService), { dir, aiSystemId: o.system, kind: o.kind, stableMs: Number(o.stableMs) }, operatorActor('admin'));
    const print = (scan: LogFolderScan | Error) => {
      if (scan instanceof Error) return void process.stderr.write(`registry: scan failed, retrying: ${scan.message}\n`);
      for (const i of scan.ingested) process.stdout.write(`${i.duplicate ? 'Already recorded' : 'Recorded'} ${i.artefactId}  ${i.file} -> done/\n`);
      for (const f of scan.failed) process.stdout.write(`Refused ${f.file} (${f.code}) -> failed/\n`);
    };
    if (o.once) {
      // Two looks stableMs apart: only files that did not change in between are taken.
      await folder.prepare();
      await folder.scan();
      await new Promise((r) => setTimeout(r, Number(o.stableMs)));
      return print(await folder.scan());
    }
    const stop = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
    process.stdout.write(`Watching ${dir} for logs of AI system ${o.system} (stable after ${o.stableMs} ms)\n`);
    await folder.watch(Number(o.intervalMs), stop.signal, print);
  });
}

export interface PurgeOptions {
  dryRun?: boolean;
  apply?: boolean;
  json?: boolean;
  chunkSize?: string;
  pauseMs?: string;
}

export async function retentionPurge(o: PurgeOptions): Promise<void> {
  if (Boolean(o.dryRun) === Boolean(o.apply)) throw new Error('Say --dry-run or --apply');
  const bar = progressBar(o.dryRun ? 'due' : 'purge', 'artefacts');
  const report = await withApp((get) =>
    get(RetentionPurger).run({
      dryRun: Boolean(o.dryRun),
      actor: operatorActor('quality-manager'),
      chunkSize: o.chunkSize ? Number(o.chunkSize) : undefined,
      pauseMs: o.pauseMs ? Number(o.pauseMs) : undefined,
      onProgress: (done, total) => bar.update(done, total),
    }),
  ).finally(() => bar.stop());
  process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : summary(report));
}

function summary(r: PurgeRunReport): string {
  const bytes = r.purged.reduce((n, p) => n + p.sizeBytes, 0);
  const lines = [
    r.dryRun
      ? `Dry run at ${r.at}: ${r.due} due, ${r.purged.length} would be purged (${bytes} bytes), ${r.held.length} held. Nothing changed.`
      : `Purge run ${r.runId} at ${r.at}: ${r.purged.length} purged (${bytes} bytes), ${r.held.length} held, ${r.skipped.length} skipped, ${r.reconciled} left-over blob(s) deleted.`,
    ...r.held.map((h) => `  held    ${h.artefactId}  by ${h.holdIds.join(', ')}`),
    ...r.purged.map((p) => `  ${r.dryRun ? 'due   ' : 'purged'}  ${p.artefactId}  sha256 ${p.sha256}`),
  ];
  return `${lines.join('\n')}\n`;
}
