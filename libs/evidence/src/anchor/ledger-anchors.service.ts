import { createHash, randomUUID, type X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { LEASES, type Leases, LocalLeases, SqlDatabase, Workers } from '@app/event-store';
import { LedgerService } from '../ledger/ledger.service';
import { type SignedTreeHead, treeHeadBytes } from '../ledger/tree-head';
import { certificatesFromPem, TimestampError, timestampRequest, tokenFromResponse, verifyTimestampToken } from './rfc3161';
import { Idler } from '../idler';
import { COSIGNATURE_KIND, type StoredCosignature, WitnessClient, witnessesFromEnv } from './witnesses';

/** A signed tree head time-stamped outside the hospital (issue 22, build 3; ADR 0037). */
export interface LedgerAnchor {
  anchorId: string;
  /** rfc3161: a TSA's token; c2sp-cosignature: a witness's cosigned checkpoint note (ADR 0054). */
  kind: 'rfc3161' | typeof COSIGNATURE_KIND;
  treeSize: number;
  rootHash: string;
  /** The tree head whose canonical bytes (checkpoint.json) the token time-stamps, with its signature. */
  checkpoint: SignedTreeHead;
  /** The TSA's URL. */
  authority: string;
  /** TSTInfo.genTime, ISO 8601 UTC with milliseconds. */
  genTime: string;
  /** The DER TimeStampToken (CMS ContentInfo), base64. */
  token: string;
  recordedAt: string;
}

interface AnchorRow {
  anchor_id: string;
  tree_size: number | string;
  root_hash: string;
  checkpoint: string;
  kind: string;
  authority: string;
  gen_time: string;
  token: string;
  recorded_at: string;
}

export class AnchoringError extends Error {}

/** What choosing a bundle's anchors needs of each, without its token. */
export interface AnchorSummary {
  anchorId: string;
  kind: LedgerAnchor['kind'];
  treeSize: number;
  genTime: string;
}

/** The TSA's URL as stored, logged and put in bundles: without any user name or password in it. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Time-stamps signed tree heads with an RFC 3161 TSA (LEDGER_TSA_URL) every
 * LEDGER_ANCHOR_INTERVAL_MINUTES, and on demand. It runs in a loop of its own and reads only
 * stored checkpoints, so a slow or absent TSA holds up nothing else: an attempt that fails is
 * logged and tried again after LEDGER_ANCHOR_RETRY_SECONDS. A token is stored only after it is
 * checked (imprint, nonce, signature chain to LEDGER_TSA_CERT_FILE), in the append-only table
 * ledger_anchors.
 */
@Injectable()
export class LedgerAnchorService implements OnModuleInit {
  private readonly logger = new Logger('LedgerAnchors');
  readonly tsaUrl = process.env.LEDGER_TSA_URL || undefined;
  /** The URL without credentials: what the rows, the logs and the bundles name. */
  private readonly authority = withoutCredentials(this.tsaUrl ?? '');
  readonly intervalMs = Number(process.env.LEDGER_ANCHOR_INTERVAL_MINUTES ?? 60) * 60_000;
  // At least 0.1 s between attempts: a zero or a typo must not become a busy loop against the TSA.
  readonly retryMs = Math.max(100, Number(process.env.LEDGER_ANCHOR_RETRY_SECONDS ?? 60) * 1000 || 60_000);
  readonly timeoutMs = Number(process.env.LEDGER_TSA_TIMEOUT_MS ?? 10_000);
  private readonly trusted: X509Certificate[] = [];
  private running = false;
  private loop?: Promise<void>;
  private readonly idler = new Idler();
  /** Witnesses (LEDGER_WITNESSES, ADR 0054): cosign the same heads, as a second kind of anchor. */
  readonly witnesses: WitnessClient;

  constructor(
    private readonly db: SqlDatabase,
    private readonly ledger: LedgerService,
    @Inject(LEASES) private readonly leases: Leases = new LocalLeases(),
    @Optional() private readonly workers?: Workers,
  ) {
    this.witnesses = new WitnessClient(db, ledger, witnessesFromEnv(), this.timeoutMs);
    if (!this.tsaUrl) return;
    const file = process.env.LEDGER_TSA_CERT_FILE;
    // A token is only worth storing once checked against a TSA certificate chosen by the operator.
    if (!file)
      throw new AnchoringError(
        'LEDGER_TSA_URL is set but LEDGER_TSA_CERT_FILE is not: name the PEM certificate (the TSA’s, or its CA’s) its tokens must chain to',
      );
    try {
      this.trusted = certificatesFromPem(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new AnchoringError(`LEDGER_TSA_CERT_FILE ${file}: ${(err as Error).message}`);
    }
  }

  onModuleInit(): void {
    this.workers?.register({
      name: 'ledger-anchor',
      summary: 'has an RFC 3161 time-stamping authority time-stamp, and the witnesses cosign, the latest signed tree head every interval (lease ledger-anchor)',
      // An interval of 0 leaves the loop off; `registry ledger anchor` still works.
      unconfigured: () =>
        !this.tsaUrl && !this.witnesses.witnesses.length
          ? 'neither LEDGER_TSA_URL nor LEDGER_WITNESSES is set'
          : this.intervalMs > 0
            ? undefined
            : 'LEDGER_ANCHOR_INTERVAL_MINUTES=0 (on demand only)',
      start: () => {
        this.running = true;
        this.loop = this.follow();
        return Promise.resolve();
      },
      stop: async () => {
        this.running = false;
        this.idler.wake();
        await this.loop;
      },
    });
  }

  private async follow(): Promise<void> {
    while (this.running) {
      let next = this.intervalMs;
      try {
        // Several instances: one anchors (the same head twice would only cost a second token).
        if (await this.leases.hold('ledger-anchor')) await this.anchorEverywhere({ fresh: false });
      } catch (err) {
        next = Math.min(this.retryMs, Math.max(this.intervalMs, 100));
        this.logger.warn(`Anchoring failed, next attempt in ${Math.round(next / 1000)} s: ${(err as Error).message}`);
      }
      await this.idler.idle(next);
    }
  }

  /**
   * The TSA's timestamp and the witnesses' cosignatures of the latest head, whichever are
   * configured; a failure of one does not keep the others from trying, and is thrown after.
   */
  async anchorEverywhere(options: { fresh: boolean }): Promise<{ timestamp: LedgerAnchor | null; cosignatures: LedgerAnchor[] }> {
    const failures: string[] = [];
    // One fresh head for both, so the TSA and the witnesses anchor the same tree.
    if (options.fresh) await this.ledger.checkpoint();
    let timestamp: LedgerAnchor | null = null;
    if (this.tsaUrl) timestamp = await this.anchor({ fresh: false }).catch((err: Error) => (failures.push(err.message), null));
    let cosignatures: LedgerAnchor[] = [];
    if (this.witnesses.witnesses.length) cosignatures = await this.cosign({ fresh: false }).catch((err: Error) => (failures.push(err.message), []));
    if (failures.length) throw new AnchoringError(failures.join('; '));
    return { timestamp, cosignatures };
  }

  /** Each configured witness cosigns the latest signed tree head (with `fresh`, one signed now); failures are thrown together, after all were tried. */
  async cosign(options: { fresh: boolean } = { fresh: true }): Promise<LedgerAnchor[]> {
    if (!this.witnesses.witnesses.length) throw new AnchoringError('No witness is configured (LEDGER_WITNESSES)');
    const head = options.fresh ? await this.ledger.checkpoint() : await this.ledger.latestCheckpoint();
    if (!head || head.treeSize === 0) return [];
    const { stored, failures } = await this.witnesses.cosignAll(head);
    for (const c of stored) this.logger.log(`Tree head of size ${c.treeSize} cosigned by witness ${c.authority} at ${c.genTime}`);
    if (failures.length) throw new AnchoringError(`witness cosigning failed: ${failures.join('; ')}`);
    return stored.map(cosignatureAnchor);
  }

  /**
   * Time-stamps the latest signed tree head (with `fresh`, one signed now over everything
   * committed) unless this TSA already did; returns the anchor, or null when there is no head yet.
   */
  async anchor(options: { fresh: boolean } = { fresh: true }): Promise<LedgerAnchor | null> {
    if (!this.tsaUrl) throw new AnchoringError('No TSA is configured (LEDGER_TSA_URL)');
    const head = options.fresh ? await this.ledger.checkpoint() : await this.ledger.latestCheckpoint();
    if (!head || head.treeSize === 0) return null;
    const done = await this.db.query<AnchorRow>('SELECT * FROM ledger_anchors WHERE tree_size = ? AND authority = ? ORDER BY gen_time LIMIT 1', [
      head.treeSize,
      this.authority,
    ]);
    if (done.length) return anchorOf(done[0]);
    const message = treeHeadBytes(head);
    const { der, nonce } = timestampRequest(createHash('sha256').update(message).digest());
    let reply: Buffer;
    try {
      const res = await fetch(this.tsaUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: new Uint8Array(der),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status !== 200) throw new AnchoringError(`the TSA answered HTTP ${res.status}`);
      reply = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (err instanceof AnchoringError) throw err;
      throw new AnchoringError(`the TSA at ${this.authority} cannot be reached: ${(err as Error).message}`);
    }
    let token: Buffer;
    let verified: Awaited<ReturnType<typeof verifyTimestampToken>>;
    try {
      token = tokenFromResponse(reply);
      verified = await verifyTimestampToken(token, message, this.trusted, nonce);
    } catch (err) {
      throw err instanceof TimestampError ? new AnchoringError(`the TSA's token was refused: ${err.message}`) : err;
    }
    const anchor: LedgerAnchor = {
      anchorId: randomUUID(),
      kind: 'rfc3161',
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      checkpoint: head,
      authority: this.authority,
      genTime: verified.genTime,
      token: token.toString('base64'),
      recordedAt: new Date().toISOString(),
    };
    await this.db.query(
      `INSERT INTO ledger_anchors (anchor_id, tree_size, root_hash, checkpoint, kind, authority, gen_time, token, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [anchor.anchorId, anchor.treeSize, anchor.rootHash, JSON.stringify(head), anchor.kind, anchor.authority, anchor.genTime, anchor.token, anchor.recordedAt],
    );
    this.logger.log(`Tree head of size ${head.treeSize} time-stamped by ${verified.authority} at ${verified.genTime}`);
    return anchor;
  }

  /**
   * For monitoring: events under the latest signed tree head that no anchor covers yet, and the
   * time of the newest anchor (null before the first). Growing while the TSA is down.
   */
  async backlog(kind: LedgerAnchor['kind'] = 'rfc3161'): Promise<{ unanchoredEvents: number; lastGenTime: string | null }> {
    const [head] = await this.db.query<{ size: number | string | null }>('SELECT MAX(tree_size) AS size FROM ledger_checkpoints');
    const [anchored] = await this.db.query<{ size: number | string | null; at: string | null }>(
      'SELECT MAX(tree_size) AS size, MAX(gen_time) AS at FROM ledger_anchors WHERE kind = ?',
      [kind],
    );
    return { unanchoredEvents: Math.max(0, Number(head?.size ?? 0) - Number(anchored?.size ?? 0)), lastGenTime: anchored?.at ?? null };
  }

  /** Every stored anchor of a tree head no larger than `treeSize`, by tree size then time. */
  async anchorsUpTo(treeSize: number): Promise<LedgerAnchor[]> {
    const rows = await this.db.query<AnchorRow>('SELECT * FROM ledger_anchors WHERE tree_size <= ? ORDER BY tree_size, gen_time', [treeSize]);
    return rows.map(anchorOf);
  }

  /** The same without tokens (a few bytes a row, for years of hourly anchors): to choose from. */
  async anchorSummaries(treeSize: number): Promise<AnchorSummary[]> {
    const rows = await this.db.query<{ anchor_id: string; kind: string; tree_size: number | string; gen_time: string }>(
      'SELECT anchor_id, kind, tree_size, gen_time FROM ledger_anchors WHERE tree_size <= ? ORDER BY tree_size, gen_time',
      [treeSize],
    );
    return rows.map((r) => ({ anchorId: r.anchor_id, kind: r.kind as LedgerAnchor['kind'], treeSize: Number(r.tree_size), genTime: r.gen_time }));
  }

  /** The anchors with these ids, whole, by tree size. */
  async anchorsById(ids: string[]): Promise<LedgerAnchor[]> {
    const found: LedgerAnchor[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const part = ids.slice(i, i + 100);
      const rows = await this.db.query<AnchorRow>(`SELECT * FROM ledger_anchors WHERE anchor_id IN (${part.map(() => '?').join(', ')})`, part);
      found.push(...rows.map(anchorOf));
    }
    return found.sort((a, b) => a.treeSize - b.treeSize);
  }
}

function anchorOf(r: AnchorRow): LedgerAnchor {
  return {
    anchorId: r.anchor_id,
    kind: r.kind as LedgerAnchor['kind'],
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    checkpoint: JSON.parse(r.checkpoint) as SignedTreeHead,
    authority: r.authority,
    genTime: r.gen_time,
    token: r.token,
    recordedAt: r.recorded_at,
  };
}

function cosignatureAnchor(c: StoredCosignature): LedgerAnchor {
  return { ...c, kind: COSIGNATURE_KIND };
}
