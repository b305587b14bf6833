import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The exact bytes sent: UTF-8 JSON, two-space indented so a person can read a stored copy. */
export const reportBytes = (report: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(report, null, 2), 'utf8');

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** `X-Oversight-Signature` value: HMAC-SHA-256 of the body under the supplier's secret. */
export const signature = (body: Buffer, secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Token a supplier sends back to acknowledge one report; only holders of the secret can make it. */
export const acknowledgementToken = (secret: string, incidentId: string, notificationId: string): string =>
  createHmac('sha256', secret).update(`ack:${incidentId}:${notificationId}`).digest('hex');

export function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A value as text for the report page: '—' for nothing, objects as JSON (never "[object Object]"). */
function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === null || v === undefined ? '—' : (JSON.stringify(v) ?? '—');
}

const escape = (v: unknown): string => asText(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function rows(value: unknown, path = ''): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => rows(v, path ? `${path}.${k}` : k));
  }
  if (Array.isArray(value)) {
    return value.length ? value.flatMap((v, i) => rows(v, `${path}[${i}]`)) : [`<tr><th>${escape(path)}</th><td>—</td></tr>`];
  }
  return [`<tr><th>${escape(path)}</th><td>${escape(value)}</td></tr>`];
}

/** A self-contained, printable page of a report; every value is escaped, nothing is loaded. */
export function reportHtml(report: Record<string, unknown>, title: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escape(title)}</title>`,
    '<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eee;font-weight:600}</style>',
    '</head><body>',
    `<h1>${escape(title)}</h1>`,
    `<table>${rows(report).join('')}</table>`,
    '</body></html>',
  ].join('\n');
}
