/**
 * The server's CPU per feed batch: `node -r ./bench/register.js bench/profile-feed.ts [batches] [rate] [size] [root]`
 * starts the real server (bench/http-server.ts of `root`, default this checkout) on a fresh
 * embedded SQLite store, warms it with 30 batches, then posts `batches` batches of `size` new
 * outputs (default 200 of 100) at `rate` per second (default 20, open loop as bench/scenarios/feed.ts),
 * lets the projections and the ledger catch up for 2 s and prints the server's CPU (user + system,
 * every thread) per batch and the latencies. Comparing two checkouts in one run (`root` of each,
 * alternated) is what the figures in ADR 0048 are. `BENCH_SERVER_ARGS='--cpu-prof --cpu-prof-dir=…'`
 * profiles the server.
 */
import { fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { percentile } from './lib/common';
import { batch, postBatch } from './scenarios/feed';

interface Server {
  send(m: object): void;
  next(): Promise<Record<string, unknown>>;
  url: string;
  aiSystemId: string;
  feedToken: string;
}

async function start(root: string): Promise<Server> {
  const proc = fork(join(root, 'bench', 'http-server.ts'), [], {
    execArgv: ['-r', join(root, 'bench', 'register.js'), ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  proc.on('message', (m) => waiting.shift()?.(m as Record<string, unknown>));
  const next = () => new Promise<Record<string, unknown>>((r) => waiting.push(r));
  const ready = (await next()) as { url: string; aiSystemId: string; feedToken: string };
  return { ...ready, send: (m) => proc.send(m), next };
}

async function post(s: Server, body: string): Promise<void> {
  const recorded = await postBatch(s, body);
  if (recorded !== body.split('outputReference').length - 1) throw new Error(`POST recorded ${recorded} outputs`);
}

async function cpu(s: Server): Promise<number> {
  s.send({ cpu: true });
  const { cpu } = (await s.next()) as { cpu: NodeJS.CpuUsage };
  return (cpu.user + cpu.system) / 1000;
}

async function main() {
  const [batches = '200', rate = '20', size = '100', root = resolve(__dirname, '..')] = process.argv.slice(2);
  const s = await start(resolve(root));
  for (let i = 0; i < 30; i++) await post(s, batch(s, Number(size)));
  await new Promise((w) => setTimeout(w, 2000));
  const bodies = Array.from({ length: Number(batches) }, () => batch(s, Number(size)));
  const before = await cpu(s);
  const latencies: number[] = [];
  const t0 = performance.now() + 20;
  await Promise.all(
    bodies.map(async (body, i) => {
      const due = t0 + (i * 1000) / Number(rate);
      const wait = due - performance.now();
      if (wait > 0) await new Promise((w) => setTimeout(w, wait));
      await post(s, body);
      latencies.push(performance.now() - due);
    }),
  );
  await new Promise((w) => setTimeout(w, 2000));
  const used = (await cpu(s)) - before;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      root,
      batches: Number(batches),
      size: Number(size),
      cpuMsPerBatch: +(used / Number(batches)).toFixed(2),
      p50Ms: +percentile(latencies, 50).toFixed(1),
      p99Ms: +percentile(latencies, 99).toFixed(1),
      maxMs: +latencies[latencies.length - 1].toFixed(1),
      load: (await import('node:os')).loadavg()[0],
    }),
  );
  s.send({ stop: true });
  await s.next();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
