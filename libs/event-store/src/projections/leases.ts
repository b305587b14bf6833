import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { StorageConfig } from '../storage-config';

export const LEASES = Symbol('LEASES');

/**
 * Which process runs a piece of background work (a projection, the ledger sealer, the delivery
 * worker, the purge scheduler) when several API instances share one database (docs/adr/0016).
 * A lease only avoids duplicate work: correctness never depends on it, because every worker is
 * fenced by its own compare-and-set (projection checkpoints, ledger primary keys, stream
 * revisions), so a holder that lost its lease without noticing yet cannot apply anything twice.
 */
export interface Leases {
  /** True while this process holds `name`; otherwise tries to take it. Never waits for a holder. */
  hold(name: string): Promise<boolean>;
  /** Names held now (no I/O); for metrics. */
  held(): string[];
  /** Runs `work` while no other process runs work under the same name (waits its turn). */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Embedded SQLite is one process: it holds every lease. */
export class LocalLeases implements Leases {
  private readonly names = new Set<string>();

  hold(name: string): Promise<boolean> {
    this.names.add(name);
    return Promise.resolve(true);
  }

  held(): string[] {
    return [...this.names];
  }

  exclusive<T>(_name: string, work: () => Promise<T>): Promise<T> {
    return work();
  }

  close(): Promise<void> {
    this.names.clear();
    return Promise.resolve();
  }
}

/**
 * The 64-bit advisory lock key of a lease: the schema is part of it, so registries in different
 * schemas of one database (tests, tenants) never contend.
 */
export function leaseLockKey(schema: string, name: string): string {
  const digest = createHash('sha256').update(`oversight-registry\0${schema}\0${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

type PgLeaseConfig = Pick<StorageConfig, 'databaseUrl' | 'schema'>;

/**
 * Session-level PostgreSQL advisory locks on one dedicated connection: the server releases them
 * the moment that session ends (process killed, connection lost), so failover needs no expiry
 * to run out. A lost connection drops every lease here at once.
 */
export class PgAdvisoryLeases implements Leases {
  private readonly logger = new Logger('Leases');
  private client?: Client;
  private connecting?: Promise<Client>;
  private readonly names = new Set<string>();
  /** When each lease we do not hold was last tried: standbys ask at most once per retryMs. */
  private readonly tried = new Map<string, number>();
  private checkedAt = 0;
  private closed = false;
  /** One query at a time on the connection (pg deprecates overlapping queries on a client). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: PgLeaseConfig,
    private readonly options: { retryMs?: number; heartbeatMs?: number } = {},
  ) {}

  private get schema(): string {
    return this.config.schema ?? 'public';
  }

  private connect(): Promise<Client> {
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.config.databaseUrl, keepAlive: true, application_name: 'oversight-registry leases' });
      client.on('error', (err) => this.lost(client, err.message));
      client.on('end', () => this.lost(client, 'connection closed'));
      await client.connect();
      this.client = client;
      this.checkedAt = Date.now();
      return client;
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private lost(client: Client, why: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connecting = undefined;
    if (this.names.size && !this.closed) this.logger.warn(`Lease connection lost (${why}): giving up ${[...this.names].join(', ')}`);
    this.names.clear();
    client.end().catch(() => undefined);
  }

  hold(name: string): Promise<boolean> {
    const next = this.queue.then(() => this.tryHold(name));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async tryHold(name: string): Promise<boolean> {
    if (this.closed) return false;
    if (!this.names.has(name) && Date.now() - (this.tried.get(name) ?? 0) < (this.options.retryMs ?? 1000)) return false;
    try {
      const client = await this.connect();
      if (this.names.has(name)) {
        // Heartbeat: a live session still holds its locks; a dead one fails here and drops them.
        if (Date.now() - this.checkedAt >= (this.options.heartbeatMs ?? 2000)) {
          await client.query('SELECT 1');
          this.checkedAt = Date.now();
        }
        return this.names.has(name);
      }
      this.tried.set(name, Date.now());
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [leaseLockKey(this.schema, name)]);
      if (rows[0].ok && this.client === client) {
        this.names.add(name);
        this.tried.delete(name);
        this.logger.log(`Took the lease ${name}`);
      }
      return this.names.has(name);
    } catch (err) {
      if (this.client) this.lost(this.client, (err as Error).message);
      return false;
    }
  }

  held(): string[] {
    return [...this.names];
  }

  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.config, name, work);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    this.names.clear();
    await client?.end().catch(() => undefined);
  }
}

/**
 * Runs `work` under a session advisory lock of its own connection, waiting for other processes
 * holding it: concurrent starts of several instances migrate and create tables one at a time.
 */
export async function withAdvisoryLock<T>(config: PgLeaseConfig, name: string, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: config.databaseUrl, application_name: 'oversight-registry startup' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [leaseLockKey(config.schema ?? 'public', name)]);
    return await work();
  } finally {
    // Ending the session releases the lock even if the unlock itself failed.
    await client.end().catch(() => undefined);
  }
}

/** Leases for the configured store: advisory locks on PostgreSQL, none needed on SQLite. */
export function leasesFor(config: StorageConfig): Leases {
  return config.kind === 'postgres'
    ? new PgAdvisoryLeases(config, {
        retryMs: Number(process.env.LEASE_RETRY_MS ?? 1000),
        heartbeatMs: Number(process.env.LEASE_HEARTBEAT_MS ?? 2000),
      })
    : new LocalLeases();
}
