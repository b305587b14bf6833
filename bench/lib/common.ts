import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';

/** The PostgreSQL the tests use (trust auth on 127.0.0.1); override with BENCH_PG_URL. */
export const PG_URL = process.env.BENCH_PG_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export type Kind = 'postgres' | 'sqlite';

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: values };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const now = () => performance.now();

export function peakRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Runs `workers` loops in parallel; each calls `step(worker, i)` `perWorker` times. */
export async function parallel(workers: number, perWorker: number, step: (w: number, i: number) => Promise<void>) {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) await step(w, i);
    }),
  );
}

/** A database of its own for a run (Emmett creates its tables in `public`); dropped by the caller. */
export async function createPgDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: PG_URL });
      await c.connect();
      try {
        // Wait for the store's own pool to hang up: FORCE would make its idle clients emit an
        // 'error' nobody listens to, which ends the process.
        for (let i = 0; ; i++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name}`);
            break;
          } catch (err) {
            if (i >= 50) {
              await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
              break;
            }
            await new Promise((r) => setTimeout(r, 100));
            void err;
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const DECISIONS = ['accepted', 'modified', 'rejected', 'escalated'] as const;
const SYSTEMS = [uuidv7(), uuidv7(), uuidv7()];

/**
 * The event both stores append in the append benchmarks: a compact review (~200 bytes of JSON
 * data) plus the same actor metadata. Same shape and size for ours and Emmett's.
 */
export function reviewEvent(i: number): { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> } {
  return {
    type: 'oversight.AiOutputReviewed',
    data: {
      reviewId: uuidv7(),
      aiSystemId: SYSTEMS[i % 3],
      modelVersion: '2.3.1',
      patientPseudonym: `p-${String(i % 997).padStart(32, '0')}`,
      decision: DECISIONS[i % 4],
      decidedAt: '2026-11-20T09:00:40.000Z',
    },
    metadata: { actor: { subject: `clinician-${i % 17}`, role: 'clinician' } },
  };
}

export function jsonBytes(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v));
}

/** A full review as the decider writes it (~460 bytes of data): what the review projection reads. */
export function domainReviewEvent(i: number): { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> } {
  const month = String((i % 12) + 1).padStart(2, '0');
  const reviewer = { subject: `clinician-${i % 17}`, role: 'clinician' };
  return {
    type: 'oversight.AiOutputReviewed',
    data: {
      reviewId: uuidv7(),
      aiSystemId: SYSTEMS[i % 3],
      modelVersion: '1.0',
      outputReference: `ref-${i}`,
      outputSha256: 'a'.repeat(64),
      patientPseudonym: `p-${String(i % 997).padStart(32, '0')}`,
      reviewer,
      decision: DECISIONS[i % 4],
      reason: i % 4 === 0 ? null : { enc: 'aes-256-gcm', kid: `dk-seed${i % 50}`, iv: 'AAAAAAAAAAAAAAAA', ct: `c2VlZC0${i}` },
      seenAt: `2026-${month}-10T10:00:00.000Z`,
      decidedAt: `2026-${month}-10T10:00:30.000Z`,
      incidentId: null,
    },
    metadata: { actor: reviewer },
  };
}
