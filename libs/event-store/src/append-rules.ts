import { validate as isUuid } from 'uuid';
import type { NewEvent } from './envelope';
import { UnstorableTextError } from './errors';

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;
const TYPE = /^[A-Za-z][A-Za-z0-9._-]{0,254}$/;

/** The input rules every adapter checks before it writes anything. */
export function validateAppend(streamId: string, events: NewEvent[]): void {
  if (!STREAM_ID.test(streamId)) throw new TypeError(`Invalid stream id "${streamId}"`);
  if (!Array.isArray(events) || events.length === 0) throw new TypeError('append needs at least one event');
  for (const e of events) {
    if (!TYPE.test(e.type)) throw new TypeError(`Invalid event type "${e.type}"`);
    if (e.eventId !== undefined && !isUuid(e.eventId)) throw new TypeError(`Invalid event id "${e.eventId}"`);
    if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) {
      throw new TypeError(`Event data of ${e.type} must be an object`);
    }
  }
}

/**
 * In JSON.stringify's output, a C0 control other than tab, LF and CR (written `\b`, `\f` or
 * `\u00XX`) or a lone surrogate (written `\udXXX`; pairs are written as they are), after an
 * odd run of backslashes (an even run is escaped backslashes followed by plain letters).
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\(?:u00[01][0-9a-fA-F]|u[dD][89a-fA-F][0-9a-fA-F]{2}|[bf])/;

/**
 * The log's last line of defence for "accepted means projected": an event whose text a read
 * model cannot hold on every store (PostgreSQL refuses NUL in text; SQLite keeps it) is never
 * appended, whoever wrote it (HTTP, CLI, the watched folder). The HTTP boundary refuses such
 * text first, naming the request's field; this catches every other way in.
 */
export function storableJson(json: string, type: string, part: 'data' | 'metadata', value: unknown): string {
  // Most events have no backslash at all: one indexOf, no regex.
  if (json.indexOf('\\') === -1 || !UNSTORABLE_ESCAPE.test(json)) return json;
  throw new UnstorableTextError(type, `${part}${unstorablePath(value) ?? ''}`);
}

/**
 * C0 control characters except tab, line feed and carriage return. PostgreSQL refuses NUL in
 * text and jsonb (SQLite keeps it), so a NUL let in stalled a projection on one store only.
 * CR is kept: browsers submit textarea line breaks as CRLF, and both stores keep it as is.
 * The request boundary (libs/platform input-text.ts) applies the same rule, naming the field.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** In unicode mode a surrogate pair is one code point, so only a lone surrogate is category Cs. */
export const LONE_SURROGATE = /\p{Cs}/u;

const unstorable = (s: string) => CONTROL_CHARACTER.test(s) || LONE_SURROGATE.test(s);

/** Where in a value the first unstorable text is (`.a.b.0`), found only once one is known to exist. */
function unstorablePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (unstorable(key)) return `${path}.<key>`;
    const at = `${path}.${key}`;
    const found = unstorablePath(inner, at);
    if (found !== undefined) return found;
  }
  return undefined;
}
