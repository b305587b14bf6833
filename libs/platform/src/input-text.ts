import { CONTROL_CHARACTER as CONTROL, LONE_SURROGATE } from '@app/event-store';
import type { FieldProblem } from './problem';

/**
 * Keys JSON.parse makes own properties but class-transformer drops without a word; refused
 * so a client learns its field was not taken.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Cycles cannot come from JSON or a query string; the bound only keeps a bug from hanging here. */
const MAX_DEPTH = 100;

/** What is wrong with a text, if anything; the message never repeats the text (it may be personal data). */
function textProblem(s: string): string | undefined {
  const control = CONTROL.exec(s);
  if (control)
    return `must not contain control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} (only tab, line feed and carriage return are allowed)`;
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (contains a lone surrogate)';
  return undefined;
}

const isPlain = (v: object) => Array.isArray(v) || [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/**
 * Every string (and every key) of a request body, query or path parameter, checked before any
 * DTO sees it: one rule for every route, so a new DTO cannot forget it and both stores get
 * the same text. Buffers and other non-plain objects (raw uploads) are not walked.
 */
export function unsafeInputProblems(value: unknown, path = '', depth = 0, out: FieldProblem[] = []): FieldProblem[] {
  const field = path || 'body';
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) out.push({ field, message: problem });
  } else if (value !== null && typeof value === 'object' && isPlain(value) && depth < MAX_DEPTH) {
    for (const [key, inner] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) out.push({ field: at, message: `property ${key} is not allowed` });
      else if (!Array.isArray(value) && textProblem(key)) out.push({ field: path || 'body', message: `a property name ${textProblem(key)}` });
      else unsafeInputProblems(inner, at, depth + 1, out);
    }
  }
  return out;
}
