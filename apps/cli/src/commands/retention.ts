import { NestFactory } from '@nestjs/core';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import { AppModule } from '@app/api';
import { ProjectionRegistry } from '@app/event-store';
import { LogIngestService, type PurgeRunReport, RetentionPurger } from '@app/retention';

/** The operator at this terminal, as recorded in the events the command writes. */
function operator(role: string) {
  return { subject: `cli:${userInfo().username}`, role };
}

async function withApp<T>(work: (get: <S>(type: new (...args: never[]) => S) => S) => Promise<T>): Promise<T> {
  ProjectionRegistry.autoStart = false; // a one-shot: it catches projections up itself where it must
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    return await work((type) => app.get(type));
  } finally {
    await app.close();
  }
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
  // Without --from/--to the file's modification time stands for the period it covers.
  const to = o.to ? new Date(o.to) : info.mtime;
  const from = o.from ? new Date(o.from) : to;
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--from and --to must be date-times');
  const contentType = file.endsWith('.ndjson') || file.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/octet-stream';
  await withApp(async (get) => {
    const result = await get(LogIngestService).ingest(
      createReadStream(file),
      {
        aiSystemId: o.system.toLowerCase(),
        periodFrom: from.toISOString(),
        periodTo: to.toISOString(),
        kind: o.kind,
        source: { channel: 'cli', contentType, filename: basename(file) },
        expectedSha256: o.sha256?.toLowerCase(),
      },
      operator('admin'),
    );
    process.stdout.write(
      `${result.duplicate ? 'Already recorded' : 'Recorded'} ${result.artefactId}  sha256 ${result.sha256}  ${result.sizeBytes} bytes\n`,
    );
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
  const report = await withApp((get) =>
    get(RetentionPurger).run({
      dryRun: Boolean(o.dryRun),
      actor: operator('quality-manager'),
      chunkSize: o.chunkSize ? Number(o.chunkSize) : undefined,
      pauseMs: o.pauseMs ? Number(o.pauseMs) : undefined,
    }),
  );
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
