import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { Workers } from '@app/event-store';

/**
 * The application for one CLI command, closed when the work is done. Of the background workers
 * only the ledger sealer runs (the command's events are sealed before it ends); projections do
 * not follow the log (a command catches them up itself where it must). `{ ledger: false }`: none
 * runs, for commands that read or verify the ledger themselves.
 */
export async function withAppContext<T>(work: (app: INestApplicationContext) => Promise<T>, options: { ledger?: boolean } = {}): Promise<T> {
  Workers.autoStart = options.ledger === false ? false : ['ledger-sealer'];
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
