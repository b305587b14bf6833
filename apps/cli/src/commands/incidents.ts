import { NestFactory } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import { AppModule } from '@app/api';
import { ProjectionRegistry, storageConfigFromEnv, type StorageConfig } from '@app/event-store';
import { ListIncidentsQuery } from '@app/incidents';

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
  const autoStart = ProjectionRegistry.autoStart;
  ProjectionRegistry.autoStart = false; // one-shot: no live subscription, no delivery worker
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
    ProjectionRegistry.autoStart = autoStart;
  }
}
