import { createHash } from 'node:crypto';
import { percentile } from '../lib/common';
import { type Server, startServer, stopServer } from './http';

export interface WorklistParams {
  /** Outputs fed before the clinician starts (the worklist's length). */
  outputs: number;
  /** Reviews saved, one after the other, as one clinician clearing the list. */
  reviews: number;
  runs: number;
}

export interface WorklistRun {
  /** POST /reviews of the top output, then GET /worklist for the next page: the server's part of one keystroke. */
  cycleP50Ms: number;
  cycleP99Ms: number;
  postP50Ms: number;
  getP50Ms: number;
  getP99Ms: number;
  /** The next page still listing the output just reviewed (the projection a step behind); the client skips it. */
  staleNext: number;
  errors: number;
}

interface Item {
  outputId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

async function feed(s: Server, n: number): Promise<void> {
  for (let from = 0; from < n; from += 100) {
    const outputs = Array.from({ length: Math.min(100, n - from) }, (_, k) => {
      const i = from + k;
      return {
        aiSystemId: s.aiSystemId,
        modelVersion: '2.3.1',
        outputReference: `pacs://studies/worklist-${i}/ai-report`,
        outputSha256: digest(`worklist ${i}`),
        patientId: `NL-${100000 + (i % 500)}`,
        producedAt: new Date(Date.now() - (n - i) * 1000).toISOString(),
        urgency: i % 10 === 0 ? 'urgent' : 'routine',
        summary: 'Suspected pneumothorax, left apex',
        ward: i % 2 ? 'ICU-2' : 'ED',
      };
    });
    const res = await fetch(`${s.url}/api/v1/ai-outputs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.feedToken}` },
      body: JSON.stringify({ outputs }),
    });
    if (res.status !== 200) throw new Error(`feed: ${res.status} ${await res.text()}`);
  }
}

async function page(s: Server): Promise<Item[]> {
  const res = await fetch(`${s.url}/api/v1/worklist?limit=50`, { headers: { authorization: `Bearer ${s.token}` } });
  if (res.status !== 200) throw new Error(`worklist: ${res.status}`);
  return ((await res.json()) as { items: Item[] }).items;
}

/**
 * One clinician clearing a fed worklist on the embedded SQLite default, over real HTTP: for each
 * review, POST /reviews (accept, the top output) and GET /worklist (the next page), one after the
 * other as the web app does. The browser's part is in the journey test (test/web/worklist.e2e-spec.ts).
 */
export async function worklistJob(p: WorklistParams): Promise<{ runs: WorklistRun[] }> {
  const runs: WorklistRun[] = [];
  for (let r = 0; r < p.runs; r++) {
    const s = await startServer();
    try {
      await feed(s, p.outputs);
      let items: Item[] = [];
      for (let i = 0; i < 100 && items.length < Math.min(50, p.outputs); i++) {
        items = await page(s);
        if (items.length < Math.min(50, p.outputs)) await new Promise((w) => setTimeout(w, 50));
      }
      const done = new Set<string>();
      const cycles: number[] = [];
      const posts: number[] = [];
      const gets: number[] = [];
      let stale = 0;
      let errors = 0;
      for (let n = 0; n < p.reviews; n++) {
        const item = items.find((x) => !done.has(x.outputId));
        if (!item) break;
        const t0 = performance.now();
        const res = await fetch(`${s.url}/api/v1/reviews`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}`, 'idempotency-key': `bench-${r}-${item.outputId}` },
          body: JSON.stringify({
            aiSystemId: item.aiSystemId,
            modelVersion: item.modelVersion,
            outputReference: item.outputReference,
            outputSha256: item.outputSha256,
            patientPseudonym: item.patientPseudonym,
            decision: 'accepted',
          }),
        });
        await res.arrayBuffer();
        if (res.status !== 201) errors++;
        done.add(item.outputId);
        const t1 = performance.now();
        items = await page(s);
        const t2 = performance.now();
        if (items.some((x) => x.outputId === item.outputId)) stale++;
        posts.push(t1 - t0);
        gets.push(t2 - t1);
        cycles.push(t2 - t0);
      }
      for (const a of [cycles, posts, gets]) a.sort((x, y) => x - y);
      runs.push({
        cycleP50Ms: percentile(cycles, 50),
        cycleP99Ms: percentile(cycles, 99),
        postP50Ms: percentile(posts, 50),
        getP50Ms: percentile(gets, 50),
        getP99Ms: percentile(gets, 99),
        staleNext: stale,
        errors: errors + (cycles.length < p.reviews ? p.reviews - cycles.length : 0),
      });
    } finally {
      await stopServer(s);
    }
  }
  return { runs };
}
