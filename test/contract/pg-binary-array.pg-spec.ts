import { Client } from 'pg';
import { pgInt4Array, pgTextArray } from '../../libs/event-store/src/sql/pg-binary-array';
import { TEST_PG_URL } from '../support/test-storage';

/** The binary array parameters of the append statement, read back by PostgreSQL itself. */
describe('PostgreSQL binary array parameters', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: TEST_PG_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  it('carries every text element exactly, nulls and awkward JSON included', async () => {
    const values = ['{"a":"b \\"quoted\\" \\\\ back","n":[1,null]}', '', 'NULL', '患者 ✓ ünïcødé', 'tab\tline\nend', '{}', null, ',', '"', 'x'.repeat(70_000)];
    const { rows } = await client.query<{ v: Array<string | null>; n: number; nulls: number }>(
      'SELECT $1::text[] AS v, cardinality($1::text[]) AS n, array_position($1::text[], NULL) AS nulls',
      [pgTextArray(values)],
    );
    expect(rows[0].v).toEqual(values);
    expect(rows[0].n).toBe(values.length);
    expect(rows[0].nulls).toBe(7);
  });

  it('carries int4 elements, negative and large, and empty arrays of both', async () => {
    const ints = [0, 1, -1, 2_147_483_647, -2_147_483_648, 42];
    const { rows } = await client.query<{ i: number[]; sum: string; t: string[]; e: number[] }>(
      'SELECT $1::int[] AS i, (SELECT sum(x) FROM unnest($1::int[]) x)::text AS sum, $2::text[] AS t, $3::int[] AS e',
      [pgInt4Array(ints), pgTextArray([]), pgInt4Array([])],
    );
    expect(rows[0].i).toEqual(ints);
    expect(rows[0].sum).toBe(String(ints.reduce((a, b) => a + b, 0)));
    expect(rows[0].t).toEqual([]);
    expect(rows[0].e).toEqual([]);
  });
});
