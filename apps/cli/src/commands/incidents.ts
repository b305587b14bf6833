import { operatorActor } from './operator';
import { NestFactory } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { AppModule } from '@app/api';
import { DomainError, ProjectionRegistry, storageConfigFromEnv, type StorageConfig, Workers } from '@app/event-store';
import { ExecuteIncidentCommand, ListIncidentsQuery, RULEBOOK_VERSION } from '@app/incidents';

/** Exit code when something is overdue, for cron and monitoring (1 stays "the command failed"). */
export const OVERDUE_EXIT_CODE = 2;

/**
 * Lists open incidents with a reporting deadline passed and not met. Brings the board up to the
 * log head first, so the answer is right even when no API process is following the log.
 */
export async function incidentsOverdue(
  options: { json?: boolean } = {},
  config: StorageConfig = storageConfigFromEnv(),
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const autoStart = Workers.autoStart;
  Workers.autoStart = ['ledger-sealer']; // one-shot: no live subscription, no delivery worker
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    await app.get(ProjectionRegistry).runner.catchUp();
    const { items } = await app.get(QueryBus).execute(new ListIncidentsQuery({ overdue: true, limit: 500 }));
    if (options.json) {
      write(`${JSON.stringify(items, null, 2)}\n`);
    } else if (items.length === 0) {
      write('No overdue incidents.\n');
    } else {
      write(`${items.length} overdue incident(s):\n`);
      for (const i of items) {
        const d = i.nextDeadline!;
        write(`  ${i.incidentId}  ${i.aiSystemName}: ${d.recipient} due ${d.dueAt} (${d.rule})\n`);
      }
    }
    return items.length > 0 ? OVERDUE_EXIT_CODE : 0;
  } finally {
    await app.close();
    Workers.autoStart = autoStart;
  }
}

/**
 * Applies the current rulebook to every open incident whose deadlines were computed with another
 * version: one `incidents.DeadlinesRecomputed` each, with the reason. Closed incidents keep their
 * history as it was; an incident already on this version is left alone.
 */
export async function incidentsRecomputeDeadlines(
  options: { reason: string },
  config: StorageConfig = storageConfigFromEnv(),
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const reason = options.reason.trim();
  if (!reason) {
    write('A reason is required: --reason "what changed in the rulebook".\n');
    return 1;
  }
  const autoStart = Workers.autoStart;
  Workers.autoStart = ['ledger-sealer']; // one-shot: no live subscription, no delivery worker
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  const actor = operatorActor('quality-manager');
  let recomputed = 0;
  let current = 0;
  try {
    await app.get(ProjectionRegistry).runner.catchUp();
    let cursor: string | undefined;
    do {
      const page = await app.get(QueryBus).execute(new ListIncidentsQuery({ status: 'open', limit: 200, cursor }));
      for (const i of page.items) {
        try {
          await app.get(CommandBus).execute(new ExecuteIncidentCommand({ type: 'RecomputeDeadlines', incidentId: i.incidentId, reason }, actor));
          recomputed++;
        } catch (e) {
          if (!(e instanceof DomainError && e.code === 'deadlines-current')) throw e;
          current++;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    write(`Rulebook ${RULEBOOK_VERSION}: ${recomputed} open incident(s) recomputed, ${current} already current.\n`);
    return 0;
  } finally {
    await app.close();
    Workers.autoStart = autoStart;
  }
}
