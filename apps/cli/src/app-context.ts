import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { LedgerService } from '@app/evidence';
import { ProjectionRegistry } from '@app/event-store';

/**
 * The application for one CLI command, closed when the work is done. Projections do not follow
 * the log (a command catches them up itself where it must); `{ ledger: false }` also keeps the
 * ledger's sealer from starting, for commands that read or verify the ledger themselves.
 */
export async function withAppContext<T>(work: (app: INestApplicationContext) => Promise<T>, options: { ledger?: boolean } = {}): Promise<T> {
  ProjectionRegistry.autoStart = false;
  if (options.ledger === false) LedgerService.autoStart = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
