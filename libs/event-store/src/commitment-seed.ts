import { randomFillSync } from 'node:crypto';
import type { EventMetadata } from './envelope';

/**
 * Leaf format 2 (docs/adr/0039): each event written with it carries a random 32-byte seed in
 * `metadata.commitmentSeed`, from which the ledger derives one salt per redactable field. The
 * seed is kept with the event (as long as the event) and never hashed into its leaf; its
 * presence is what makes the sealer hash the event as format 2. The ledger reads the same name
 * (libs/evidence/src/ledger/field-commitments.ts).
 */
export const COMMITMENT_SEED = 'commitmentSeed';

/** `LEDGER_LEAF_FORMAT`: 2 (a seed per event, the default) or 1 (no seed: the leaf format of logs written before ADR 0039). */
export function leafFormatSetting(env: NodeJS.ProcessEnv = process.env): 1 | 2 {
  const v = env.LEDGER_LEAF_FORMAT ?? '2';
  if (v === '1' || v === '2') return Number(v) as 1 | 2;
  throw new Error(`LEDGER_LEAF_FORMAT must be 1 or 2, not ${JSON.stringify(v)}`);
}

// One randomFillSync per 512 seeds, as for event ids (ADR 0032): appends pay ~no extra syscall.
const pool = Buffer.alloc(32 * 512);
let next = pool.length;

export function newCommitmentSeed(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool.toString('hex', next, (next += 32));
}

/** The metadata with a fresh seed, when the store writes format 2 and the caller set none. */
export function withCommitmentSeed(metadata: EventMetadata, format: 1 | 2): EventMetadata {
  if (format !== 2 || metadata[COMMITMENT_SEED] !== undefined) return metadata;
  metadata[COMMITMENT_SEED] = newCommitmentSeed();
  return metadata;
}
