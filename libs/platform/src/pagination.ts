import { ProblemException } from './problem';

/** Opaque cursors: base64url of a JSON array of the sort keys of the last row returned. */
export function encodeCursor(keys: unknown[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(keys) && keys.length === arity) return keys as unknown[];
  } catch {
    /* fall through */
  }
  throw new ProblemException(400, 'invalid-cursor', 'Bad request', 'cursor is not one this API returned', [
    { field: 'cursor', message: 'is not a cursor this API returned' },
  ]);
}

// The read-model page is the event store core's (the web app reads it from there too).
export type { Page } from '@app/event-store/core';
