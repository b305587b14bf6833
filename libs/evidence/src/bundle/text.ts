/** A value as text: strings as they are, nothing as '', objects as JSON (never "[object Object]"). */
export const asText = (s: unknown): string => {
  if (typeof s === 'string') return s;
  if (typeof s === 'number' || typeof s === 'boolean' || typeof s === 'bigint') return String(s);
  return s === null || s === undefined ? '' : (JSON.stringify(s) ?? '');
};
