/**
 * Multi-row INSERT texts by shape: a full chunk's text (thousands of placeholders) is built once
 * and then found again, not rebuilt and re-hashed by the driver's statement cache per statement.
 */
const statements = new Map<string, string>();

export function valuesStatement(head: string, columns: number, rows: number, conflict: string): string {
  const key = `${rows}|${columns}|${head}|${conflict}`;
  let text = statements.get(key);
  if (text === undefined) {
    const tuple = `(${new Array<string>(columns).fill('?').join(', ')})`;
    text = `${head}${new Array<string>(rows).fill(tuple).join(', ')} ${conflict}`;
    statements.set(key, text);
    // Rebuild tables carry a suffix per rebuild: keep the map from growing without end.
    if (statements.size > 200) statements.delete(statements.keys().next().value!);
  }
  return text;
}
