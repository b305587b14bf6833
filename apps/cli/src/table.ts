import Table from 'cli-table3';

/** A table for the terminal: a header row and one row per item, columns sized to fit. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
  return `${t.toString()}\n`;
}
