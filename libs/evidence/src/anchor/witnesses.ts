import { createPublicKey, randomUUID } from 'node:crypto';
import type { SqlDatabase } from '@app/event-store';
import type { LedgerService } from '../ledger/ledger.service';
import type { SignedTreeHead } from '../ledger/tree-head';
import {
  checkpointText,
  formatNote,
  formatVkey,
  isKeyName,
  noteKeyId,
  parseSignatureLine,
  parseVkey,
  rawEd25519PublicKey,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  verifyCosignature,
  type Vkey,
  cosignatureTime,
} from './signed-note';

/** The anchors table's kind for a witness cosignature (ADR 0054); varchar(16) holds it exactly. */
export const COSIGNATURE_KIND = 'c2sp-cosignature';

export class WitnessError extends Error {}

/** Resends after a 409 that names a new size; more means the witness is being raced continuously. */
const MAX_RESENDS = 3;

/** A configured witness: its 0x04 vkey and its submission prefix. */
export interface Witness {
  vkey: Vkey;
  url: string;
}

/**
 * LEDGER_WITNESSES: entries separated by ";" or newlines, each "<vkey> <submission prefix URL>".
 * A vkey must be a cosignature/v1 (0x04) Ed25519 key: it is what every cosignature is checked
 * against before it is stored.
 */
export function witnessesFromEnv(value = process.env.LEDGER_WITNESSES): Witness[] {
  if (!value?.trim()) return [];
  return value
    .split(/[;\n]/)
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const [vkeyText, url, ...rest] = entry.split(/\s+/);
      if (!url || rest.length) throw new WitnessError(`LEDGER_WITNESSES: "${entry}" is not "<vkey> <submission URL>"`);
      let vkey: Vkey;
      try {
        vkey = parseVkey(vkeyText);
      } catch (err) {
        throw new WitnessError(`LEDGER_WITNESSES: ${vkeyText}: ${(err as Error).message}`);
      }
      if (vkey.type !== SIG_COSIGNATURE_V1) throw new WitnessError(`LEDGER_WITNESSES: ${vkey.name} is not a cosignature/v1 (type 0x04) vkey`);
      try {
        new URL(url);
      } catch {
        throw new WitnessError(`LEDGER_WITNESSES: ${url} is not a URL`);
      }
      return { vkey, url: url.replace(/\/+$/, '') };
    });
}

/** The checkpoints' origin (and the log's key name): LEDGER_ORIGIN, or one derived from the ledger key's id. */
export function ledgerOrigin(keyId: string, value = process.env.LEDGER_ORIGIN): string {
  const origin = value?.trim() || `oversight-registry.invalid/${keyId}`;
  if (!isKeyName(origin)) throw new WitnessError(`LEDGER_ORIGIN "${origin}" must be non-empty, without spaces or "+"`);
  return origin;
}

/** A stored cosignature: what the anchors table holds for kind c2sp-cosignature. */
export interface StoredCosignature {
  anchorId: string;
  treeSize: number;
  rootHash: string;
  checkpoint: SignedTreeHead;
  /** The witness's key name. */
  authority: string;
  /** The cosignature's timestamp, ISO 8601 UTC. */
  genTime: string;
  /** The cosigned checkpoint note: text, the log's 0x01 line, the witness's 0x04 line. */
  token: string;
  recordedAt: string;
}

/**
 * The witness client of c2sp.org/tlog-witness: submits the ledger's signed tree head as a
 * checkpoint (signed with the ledger key, type 0x01, key name = origin) to each configured
 * witness with a consistency proof from the size the witness last cosigned, and stores the
 * cosignature as an anchor once it verifies against the configured vkey.
 */
export class WitnessClient {
  constructor(
    private readonly db: SqlDatabase,
    private readonly ledger: LedgerService,
    readonly witnesses: Witness[],
    private readonly timeoutMs: number,
  ) {}

  /** The log's 0x01 verifier key, for the witnesses' operators to trust ("<origin>+<id>+<key>"). */
  async logVkey(): Promise<{ origin: string; vkey: string }> {
    const origin = ledgerOrigin(this.ledger.keyId);
    return { origin, vkey: formatVkey(origin, SIG_ED25519, await this.ledgerPublicKey()) };
  }

  private async ledgerPublicKey(): Promise<Buffer> {
    const key = (await this.ledger.keysList()).find((k) => k.keyId === this.ledger.keyId);
    if (!key) throw new WitnessError(`the ledger key ${this.ledger.keyId} is not recorded`);
    return rawEd25519PublicKey(createPublicKey(key.publicKeyPem));
  }

  /** The head as a checkpoint note signed by the log ("The log’s key name … SHOULD match the origin line"). */
  async checkpointNote(head: SignedTreeHead): Promise<{ text: string; logLine: string }> {
    const origin = ledgerOrigin(this.ledger.keyId);
    const text = checkpointText(origin, head.treeSize, Buffer.from(head.rootHash, 'hex'));
    const { signature } = this.ledger.signStatement(Buffer.from(text, 'utf8'));
    const id = Buffer.alloc(4);
    id.writeUInt32BE(noteKeyId(origin, SIG_ED25519, await this.ledgerPublicKey()), 0);
    return { text, logLine: `\u2014 ${origin} ${Buffer.concat([id, signature]).toString('base64')}` };
  }

  /** Every configured witness cosigns `head` (or already did); one failing does not stop the others. */
  async cosignAll(head: SignedTreeHead): Promise<{ stored: StoredCosignature[]; failures: string[] }> {
    const stored: StoredCosignature[] = [];
    const failures: string[] = [];
    for (const w of this.witnesses) {
      try {
        stored.push(await this.cosign(w, head));
      } catch (err) {
        failures.push(`${w.vkey.name}: ${(err as Error).message}`);
      }
    }
    return { stored, failures };
  }

  /** Submissions to one witness, one at a time in this process: the witness's size is a shared cursor. */
  private readonly queues = new Map<string, Promise<unknown>>();

  async cosign(w: Witness, head: SignedTreeHead): Promise<StoredCosignature> {
    const key = `${w.vkey.name} ${w.url}`;
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.cosignNow(w, head));
    this.queues.set(key, run);
    try {
      return await run;
    } finally {
      if (this.queues.get(key) === run) this.queues.delete(key);
    }
  }

  private async cosignNow(w: Witness, head: SignedTreeHead): Promise<StoredCosignature> {
    const done = await this.db.query<Row>('SELECT * FROM ledger_anchors WHERE kind = ? AND authority = ? AND tree_size = ? LIMIT 1', [
      COSIGNATURE_KIND,
      w.vkey.name,
      head.treeSize,
    ]);
    if (done.length) return rowOf(done[0]);
    const [last] = await this.db.query<{ size: number | string | null }>('SELECT MAX(tree_size) AS size FROM ledger_anchors WHERE kind = ? AND authority = ?', [
      COSIGNATURE_KIND,
      w.vkey.name,
    ]);
    const { text, logLine } = await this.checkpointNote(head);
    let old = Number(last?.size ?? 0);
    if (old > head.treeSize) old = 0;
    // Resend on 409 from the size it names: "The response body MUST consist of the tree size of the
    // latest cosigned checkpoint". Another registry process (the CLI, a second instance) may move that
    // size in between, so a few resends, each from a size the witness itself named.
    for (let attempt = 0; ; attempt++) {
      const reply = await this.submit(w, old, head, `${text}\n${logLine}\n`);
      if (reply.status === 409 && attempt < MAX_RESENDS && reply.size !== undefined && reply.size !== old) {
        if (reply.size > head.treeSize)
          throw new WitnessError(`the witness has cosigned a tree of ${reply.size} events, larger than this head's ${head.treeSize}`);
        old = reply.size;
        continue;
      }
      if (reply.status !== 200) throw new WitnessError(`the witness answered HTTP ${reply.status}${reply.body ? `: ${reply.body.trim().slice(0, 200)}` : ''}`);
      // "The client MUST ignore any cosignatures from unknown keys"; one by the configured key must verify.
      let found: { time: number; line: string } | null = null;
      for (const line of reply.body.split('\n').filter(Boolean)) {
        try {
          found ??= verifyCosignature(text, parseSignatureLine(line), w.vkey);
        } catch (err) {
          throw new WitnessError(`the witness's cosignature was refused: ${(err as Error).message}`);
        }
      }
      if (!found) throw new WitnessError(`the witness's reply holds no cosignature by ${w.vkey.name}`);
      const anchor: StoredCosignature = {
        anchorId: randomUUID(),
        treeSize: head.treeSize,
        rootHash: head.rootHash,
        checkpoint: head,
        authority: w.vkey.name,
        genTime: cosignatureTime(found.time),
        token: formatNote(text, [logLine, found.line]),
        recordedAt: new Date().toISOString(),
      };
      await this.db.query(
        `INSERT INTO ledger_anchors (anchor_id, tree_size, root_hash, checkpoint, kind, authority, gen_time, token, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          anchor.anchorId,
          anchor.treeSize,
          anchor.rootHash,
          JSON.stringify(head),
          COSIGNATURE_KIND,
          anchor.authority,
          anchor.genTime,
          anchor.token,
          anchor.recordedAt,
        ],
      );
      return anchor;
    }
  }

  /** POST <prefix>/add-checkpoint: "old <size>", the proof lines, a blank line, the checkpoint. */
  private async submit(w: Witness, old: number, head: SignedTreeHead, note: string): Promise<{ status: number; body: string; size?: number }> {
    let proof: Buffer[] = [];
    if (old > 0 && old < head.treeSize) proof = (await this.ledger.tree(head.treeSize)).consistencyProof(old, head.treeSize);
    const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw new WitnessError(`the witness cannot be reached: ${(err as Error).message}`);
    }
    const size =
      res.status === 409 && res.headers.get('content-type')?.startsWith('text/x.tlog.size') && /^(0|[1-9][0-9]*)\n$/.test(text) ? Number(text) : undefined;
    return { status: res.status, body: text, size };
  }
}

interface Row {
  anchor_id: string;
  tree_size: number | string;
  root_hash: string;
  checkpoint: string;
  authority: string;
  gen_time: string;
  token: string;
  recorded_at: string;
}

function rowOf(r: Row): StoredCosignature {
  return {
    anchorId: r.anchor_id,
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    checkpoint: JSON.parse(r.checkpoint) as SignedTreeHead,
    authority: r.authority,
    genTime: r.gen_time,
    token: r.token,
    recordedAt: r.recorded_at,
  };
}
