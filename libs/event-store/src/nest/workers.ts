import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/**
 * Background work that follows the event log or acts on what it holds: the projections, the
 * incident → review links, report delivery, the scheduled purge, the ledger sealer, unfinished
 * erasures. One lifecycle for all of them: each registers itself here in `onModuleInit`; a
 * serving process starts every worker its settings leave on once every module has initialised,
 * and stops them, last started first, before the data source closes. Several instances on one
 * PostgreSQL: each worker takes its own lease inside `start`, so one instance does the work.
 */
export interface LogWorker {
  /** Stable name: the setting (`WORKERS_OFF`), the log and the status view use it. */
  readonly name: string;
  /** What it does, in a line, for `registry workers status`. */
  readonly summary: string;
  /** Off whatever `WORKERS_OFF` says, and why (e.g. no purge interval set). */
  unconfigured?(): string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerSwitch {
  name: string;
  summary: string;
  on: boolean;
  /** Why it is off, or which setting keeps it on. */
  why: string;
}

/** Settings that switched groups of workers off before `WORKERS_OFF` existed; still honoured. */
const LEGACY_OFF: Record<string, string[]> = {
  PROJECTIONS_RUN: ['projections', 'incident-review-links', 'incident-delivery', 'monitoring-thresholds'],
  LEDGER_RUN: ['ledger-sealer'],
};

/** Whether this environment leaves a worker on: `WORKERS_OFF=<name>,…` (or `all`), or a legacy `…_RUN=false`. */
export function workerOff(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const off = (env.WORKERS_OFF ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (off.includes('all')) return 'WORKERS_OFF=all';
  if (off.includes(name)) return `WORKERS_OFF names ${name}`;
  for (const [setting, names] of Object.entries(LEGACY_OFF)) if (env[setting] === 'false' && names.includes(name)) return `${setting}=false`;
  return undefined;
}

@Injectable()
export class Workers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /**
   * The one switch of a process, which every worker obeys: `true` in a serving process (each
   * worker then as its settings say), `false` in the CLI's one-shot commands and in tests that
   * drive the parts by hand, or the names of the only workers a command runs (the CLI's commands
   * that write events keep `ledger-sealer`, which seals them before the command ends).
   */
  static autoStart: boolean | readonly string[] = true;

  private readonly logger = new Logger('Workers');
  private readonly workers: LogWorker[] = [];
  private readonly started: LogWorker[] = [];

  register(worker: LogWorker): void {
    if (this.workers.some((w) => w.name === worker.name)) throw new Error(`Worker ${worker.name} is registered twice`);
    this.workers.push(worker);
  }

  /** Every registered worker, whether this process's settings leave it on, and why. */
  switches(env: NodeJS.ProcessEnv = process.env): WorkerSwitch[] {
    return this.workers.map((w) => {
      const unconfigured = w.unconfigured?.();
      const off = unconfigured ?? workerOff(w.name, env);
      return { name: w.name, summary: w.summary, on: !off, why: off ?? 'on (default)' };
    });
  }

  /** Names of the workers running in this process now. */
  running(): string[] {
    return this.started.map((w) => w.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (Workers.autoStart === false) return;
    const only = Workers.autoStart === true ? undefined : new Set(Workers.autoStart);
    const on = new Set(
      this.switches()
        .filter((s) => s.on && (!only || only.has(s.name)))
        .map((s) => s.name),
    );
    for (const w of this.workers) {
      if (!on.has(w.name)) continue;
      await w.start();
      this.started.push(w);
    }
    if (this.started.length) this.logger.log(`Started ${this.running().join(', ')}`);
  }

  /** Before shutdown, not on it: the data source closes in onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const w of this.started.splice(0).reverse()) {
      await w.stop().catch((err: Error) => this.logger.error(`Stopping ${w.name} failed: ${err.message}`));
    }
  }
}
