import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { DataSource } from 'typeorm';
import { readZip } from './zip';

/**
 * Every readable form of some bytes: as they are, each zip entry inflated, each deflated PDF
 * stream inflated, and a PDF content stream's hex-encoded text runs joined (pdfkit writes text as
 * `[<48656c> 20 <6c6f>] TJ`, kerning between the runs). Grepping only raw bytes would miss a
 * zip's deflated timeline.json, so an "erased" subject's text could hide there.
 */
async function views(bytes: Buffer, name: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [
    [name, bytes.toString('latin1')],
    [name, bytes.toString('utf8')],
    [name, bytes.toString('utf16le')],
  ];
  if (bytes.subarray(0, 4).toString('latin1') === 'PK\x03\x04') {
    const dir = mkdtempSync(join(tmpdir(), 'grep-zip-'));
    try {
      const file = join(dir, 'z.zip');
      writeFileSync(file, bytes);
      for (const [entry, content] of await readZip(file)) out.push(...(await views(content, `${name}!${entry}`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const text = out[0][1];
  for (let at = text.indexOf('stream'); at >= 0; at = text.indexOf('stream', at + 6)) {
    const start = text[at + 6] === '\r' ? at + 8 : at + 7;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    try {
      const inflated = inflateSync(bytes.subarray(start, end)).toString('latin1');
      out.push([`${name}#stream@${start}`, inflated]);
      const runs = [...inflated.matchAll(/<([0-9a-fA-F]+)>/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1'));
      out.push([`${name}#text@${start}`, runs.join('')]);
    } catch {
      /* not a deflated stream */
    }
  }
  return out;
}

/** Where `needle` can be read in any file under `dir` (every byte, recursively, in every form above). */
export async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) await walk(path);
      else for (const [name, text] of await views(readFileSync(path), relative(dir, path))) if (text.includes(needle)) hits.add(name);
    }
  };
  await walk(dir);
  return [...hits].sort();
}

/** Where `needle` can be read in a downloaded file (a bundle). */
export async function bytesHolding(bytes: Buffer, name: string, needle: string): Promise<string[]> {
  return [...new Set((await views(bytes, name)).filter(([, text]) => text.includes(needle)).map(([n]) => n))].sort();
}

/** PostgreSQL keeps its files elsewhere: every row of every table in the schema, as text. */
export async function pgRowsHolding(ds: DataSource, schema: string, needle: string): Promise<string[]> {
  const tables = await ds.query<Array<{ table_name: string }>>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
  const hits: string[] = [];
  for (const { table_name } of tables) {
    const [row] = await ds.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM "${schema}"."${table_name}" t WHERE strpos(t::text, $1) > 0`, [needle]);
    if (Number(row.n) > 0) hits.push(table_name);
  }
  return hits;
}
