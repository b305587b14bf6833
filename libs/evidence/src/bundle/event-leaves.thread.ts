/**
 * Entry of the bundle verifier's event-leaf thread (ADR 0055): reads data/events.jsonl of the
 * bundle on its own (its own zip reader, the same limits) and, line by line, gives the main thread
 * what depends on the line alone: canonical form and the recomputed leaf hash (eventLeaf). The
 * main thread checks everything else and binds these results to its own read of the file by the
 * file's SHA-256, which this thread reports at the end. It loads only the zip reader and the leaf
 * code, by relative paths, so it starts the same from dist/ and from the TypeScript sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BagZip } from './bag-zip';
import { eventLeaf, type EventLeaf, FLAG_CANONICAL, FLAG_COMPUTED, FLAG_FORMAT_TWO, LEAF_BATCH } from './event-leaf';

const HASH_BYTES = 32;

export type EventLeavesReply =
  | { ready: true }
  | {
      /** Lines `first`..`first + flags.length − 1` (numbered from 1, as LineReader numbers them). */
      first: number;
      flags: Uint8Array;
      leaves: Uint8Array;
      /** Format-2 lines with problems or redacted members: [line, problems, redacted]. */
      twos: Array<[number, NonNullable<EventLeaf['two']>['problems'], NonNullable<EventLeaf['two']>['redacted']]>;
    }
  | { done: true; lines: number; sha256: string }
  | { error: string };

async function run(port: NonNullable<typeof parentPort>, file: string): Promise<void> {
  const zip = await BagZip.open(file);
  try {
    const lines = zip.lines('data/events.jsonl');
    let flags = new Uint8Array(LEAF_BATCH);
    let leaves = new Uint8Array(LEAF_BATCH * HASH_BYTES);
    let twos: Extract<EventLeavesReply, { twos: unknown }>['twos'] = [];
    let first = 1;
    let count = 0;
    const send = () => {
      const reply: EventLeavesReply = { first, flags: flags.subarray(0, count), leaves: leaves.subarray(0, count * HASH_BYTES), twos };
      port.postMessage(reply, [flags.buffer, leaves.buffer]);
      first += count;
      count = 0;
      flags = new Uint8Array(LEAF_BATCH);
      leaves = new Uint8Array(LEAF_BATCH * HASH_BYTES);
      twos = [];
    };
    for (;;) {
      const line = lines.ready() ?? (await lines.next());
      if (line === undefined) break;
      try {
        const r = eventLeaf(JSON.parse(line) as Record<string, unknown>, line);
        flags[count] = FLAG_COMPUTED | (r.canonical ? FLAG_CANONICAL : 0) | (r.two ? FLAG_FORMAT_TWO : 0);
        leaves.set(r.leaf, count * HASH_BYTES);
        if (r.two && (r.two.problems.length || r.two.redacted.length)) twos.push([lines.n, r.two.problems, r.two.redacted]);
      } catch {
        flags[count] = 0; // the main thread meets the same error and reports it
      }
      if (++count === LEAF_BATCH) send();
    }
    if (count) send();
    port.postMessage({ done: true, lines: lines.n, sha256: await lines.sha256() } satisfies EventLeavesReply);
  } finally {
    zip.close();
  }
}

if (parentPort) {
  const port = parentPort;
  port.postMessage({ ready: true } satisfies EventLeavesReply);
  run(port, (workerData as { file: string }).file).catch((err: unknown) =>
    port.postMessage({ error: (err as Error)?.message ?? String(err) } satisfies EventLeavesReply),
  );
}
