import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cosign,
  decodeBase64Strict,
  formatVkey,
  NoteError,
  parseCheckpoint,
  parseNote,
  parseVkey,
  rawEd25519PublicKey,
  SIG_COSIGNATURE_V1,
  verifyNote,
  type Vkey,
} from '../../libs/evidence/src/anchor/signed-note';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const node = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/**
 * RFC 6962 §2.1.2 consistency, checked the way RFC 9162 §2.1.4.2 spells it — written again here
 * rather than imported, so the witness does not share the registry's code for the one check that
 * matters most.
 */
function consistencyHolds(m: number, n: number, oldRoot: Buffer, newRoot: Buffer, proof: Buffer[]): boolean {
  if (m === n) return proof.length === 0 && oldRoot.equals(newRoot);
  if (proof.length === 0) return false;
  let path = proof;
  if ((m & (m - 1)) === 0) path = [oldRoot, ...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else sr = node(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

interface LogState {
  size: number;
  root: string;
}

/**
 * A witness on loopback, written from c2sp.org/tlog-witness: `POST <prefix>/add-checkpoint` with
 * an old size line, consistency proof lines, a blank line and a checkpoint; it checks the log's
 * signature (403/404), the old size against the latest it cosigned (409 with text/x.tlog.size),
 * the proof (422), persists its state in a file *before* answering, the check and the update in
 * one synchronous step (the spec's "atomically"), and answers a timestamped Ed25519 cosignature
 * (0x04). Its key is generated per instance unless a seed is given.
 */
export class LocalWitness {
  /** `up` answers; `down` answers 503 (an outage the registry must retry). */
  mode: 'up' | 'down' = 'up';
  requests = 0;
  /** Every request's status, in order. */
  readonly statuses: number[] = [];
  /** A time other than now for the next cosignatures (POSIX seconds), to make them differ. */
  clock: () => number = () => Math.floor(Date.now() / 1000);
  private readonly logs = new Map<string, Vkey[]>();

  private constructor(
    readonly name: string,
    /** The witness's Ed25519 private key (to start another witness under the same key). */
    readonly key: KeyObject,
    readonly dir: string,
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** The witness's verifier key, signature type 0x04 (what the registry and a verifier pin). */
  get vkey(): string {
    return formatVkey(this.name, SIG_COSIGNATURE_V1, rawEd25519PublicKey(this.key));
  }

  /** The LEDGER_WITNESSES entry for it: "<vkey> <submission prefix>". */
  get config(): string {
    return `${this.vkey} ${this.url}`;
  }

  private get stateFile(): string {
    return join(this.dir, 'state.json');
  }

  /** What the witness has persisted: the latest cosigned size and root per origin. */
  state(): Record<string, LogState> {
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as Record<string, LogState>;
    } catch {
      return {};
    }
  }

  /** Trusts a log: its origin and its 0x01 vkey. */
  trustLog(origin: string, vkey: string): void {
    this.logs.set(origin, [...(this.logs.get(origin) ?? []), parseVkey(vkey)]);
  }

  static async start(
    name = 'witness.test/w1',
    key = generateKeyPairSync('ed25519').privateKey,
    dir = mkdtempSync(join(tmpdir(), 'witness-')),
  ): Promise<LocalWitness> {
    const holder: { w?: LocalWitness } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const w = holder.w!;
        w.requests++;
        const answer = (status: number, body = '', type = 'text/plain; charset=utf-8') => {
          w.statuses.push(status);
          res.writeHead(status, { 'content-type': type }).end(body);
        };
        if (w.mode === 'down') return answer(503);
        if (req.method !== 'POST' || !req.url?.endsWith('/add-checkpoint')) return answer(404);
        const r = w.addCheckpoint(Buffer.concat(chunks));
        answer(r.status, r.body, r.type);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.w = new LocalWitness(name, key, dir, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`);
    return holder.w;
  }

  /** The add-checkpoint rules of tlog-witness, in the spec's order. Synchronous: nothing interleaves a check and its update. */
  addCheckpoint(body: Buffer): { status: number; body?: string; type?: string } {
    const s = body.toString('utf8');
    // "an old size line, zero or more consistency proof lines, and an empty line, followed by a checkpoint"
    const blank = s.indexOf('\n\n');
    if (blank < 0) return { status: 400, body: 'no blank line after the proof\n' };
    const head = s.slice(0, blank).split('\n');
    const oldLine = /^old (0|[1-9][0-9]*)$/.exec(head[0]);
    if (!oldLine) return { status: 400, body: 'the first line is "old <size>"\n' };
    const old = Number(oldLine[1]);
    const proofLines = head.slice(1);
    // "The client MUST NOT send more than 63 consistency proof lines."
    if (proofLines.length > 63) return { status: 400, body: 'more than 63 proof lines\n' };
    let proof: Buffer[];
    let note;
    let checkpoint;
    try {
      proof = proofLines.map((l) => {
        const h = decodeBase64Strict(l);
        if (h.length !== 32) throw new NoteError('a proof line is a 32-byte hash');
        return h;
      });
      note = parseNote(body.subarray(Buffer.byteLength(s.slice(0, blank + 2), 'utf8')));
      checkpoint = parseCheckpoint(note.text);
    } catch (err) {
      return { status: 400, body: `${(err as Error).message}\n` };
    }
    // "If the checkpoint origin is unknown, the witness MUST respond with a 404 Not Found"
    const keys = this.logs.get(checkpoint.origin);
    if (!keys) return { status: 404, body: 'unknown origin\n' };
    // "403 Forbidden … if no signature from a trusted key … or a … signature … fails to verify"
    try {
      verifyNote(note, keys);
    } catch (err) {
      return { status: 403, body: `${(err as Error).message}\n` };
    }
    // "The old size MUST be equal to or lower than the checkpoint size. Otherwise … 400"
    if (old > checkpoint.treeSize) return { status: 400, body: 'old size above the checkpoint size\n' };
    const all = this.state();
    const known = all[checkpoint.origin] ?? { size: 0, root: '' };
    // "If it doesn't match, the witness MUST respond with a 409 Conflict … text/x.tlog.size"
    if (old !== known.size) return { status: 409, body: `${known.size}\n`, type: 'text/x.tlog.size' };
    // "A checkpoint of size zero MUST have the root hash of the empty tree … Otherwise … 422"
    if (checkpoint.treeSize === 0 && !checkpoint.rootHash.equals(sha256())) return { status: 422, body: 'size 0 with a root not of the empty tree\n' };
    if (old === 0) {
      // "If the old size is zero, the consistency proof MUST be empty"
      if (proof.length) return { status: 422, body: 'a proof from size 0\n' };
    } else if (old === checkpoint.treeSize) {
      // "If the old size matches the checkpoint size, … the root hashes are also identical"
      if (proof.length || !checkpoint.rootHash.equals(Buffer.from(known.root, 'base64'))) return { status: 422, body: 'same size, another root\n' };
    } else if (!consistencyHolds(old, checkpoint.treeSize, Buffer.from(known.root, 'base64'), checkpoint.rootHash, proof)) {
      return { status: 422, body: 'the consistency proof does not verify\n' };
    }
    // "The witness MUST persist the new checkpoint before responding."
    all[checkpoint.origin] = { size: checkpoint.treeSize, root: checkpoint.rootHash.toString('base64') };
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(all));
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
    return { status: 200, body: `${cosign(note.text, this.name, this.key, this.clock())}\n`, type: 'text/plain; charset=utf-8' };
  }

  async stop(options: { keepState?: boolean } = {}): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (!options.keepState) rmSync(this.dir, { recursive: true, force: true });
  }
}
