import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON Schemas of an OpenAPI document, for the subset this API's
 * document uses: type, properties, required, enum, items, format (uuid, date-time),
 * minLength/maxLength, minimum, nullable, example, allOf and $ref to components.
 *
 * No npm package fits: json-schema-fast-check (0.0.6, its only release) is built on fast-check 1
 * and faker 4, so its arbitraries do not compose with this project's fast-check 4; json-schema-faker
 * and the samplers produce values with their own random source (no seeds, no shrinking).
 *
 * Besides valid-looking values it makes hostile ones: control characters, lone surrogates, RTL,
 * emoji, huge strings, numbers as strings, arrays where objects are expected, empty objects,
 * `__proto__` / `constructor` keys and unknown fields. Ids are `PoolRef`s, resolved when the
 * request is sent to an id the API returned earlier (or one that does not exist).
 */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  nullable?: boolean;
  example?: unknown;
  default?: unknown;
  allOf?: JsonSchema[];
  $ref?: string;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
  components: { schemas: Record<string, JsonSchema> };
}

/** An id to be chosen when the request is sent: the `pick`-th known id of `kind`, or an unknown one. */
export class PoolRef {
  constructor(
    readonly kind: string,
    readonly pick: number,
    readonly known: boolean,
  ) {}
}

/** Which kind of id a property holds, by its name (`linkedReviewIds` → `reviewId`). */
const ID_KINDS: Record<string, string> = {
  aiSystemId: 'aiSystemId',
  aiSystemIds: 'aiSystemId',
  incidentId: 'incidentId',
  incidentIds: 'incidentId',
  linkedReviewIds: 'reviewId',
  disclosureRequestIds: 'requestId',
  bundleId: 'bundleId',
  notificationId: 'notificationId',
  eventId: 'eventId',
  patientPseudonym: 'patientPseudonym',
  patientPseudonyms: 'patientPseudonym',
  // The AI system a log artefact upload belongs to (a query parameter).
  system: 'aiSystemId',
};

export const idKindOf = (property: string): string | undefined => ID_KINDS[property];

/** Mostly an id that exists (returned by an earlier 2xx), sometimes a well-formed unknown one. */
export const poolRef = (kind: string) =>
  fc
    .tuple(fc.nat(1000), fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }))
    .map(([pick, known]) => new PoolRef(kind, pick, known));

/** Characters a text field must survive or refuse the same way on every store; NUL (PostgreSQL refuses it in text) thrice as often. */
const POISON = [
  '\u0000',
  '\u0000',
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u001f',
  '\u007f',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '🏥',
  '\t',
  '\n',
  '\r',
];

const PLAIN = ['Second reading', 'Acme Imaging B.V.', 'pacs://studies/1.2.840/report/ai', 'Rechtbank Amsterdam', 'IFU-2.3', '2.3.1', 'x', 'Zoë Ørsted', 'Ω'];

/** Moments in the recent past: most business times may not lie in the future. */
const isoDate = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date(Date.now() - 3_600_000), noInvalidDate: true }).map((d) => d.toISOString());
/** A deadline: in the coming year. */
const dueDate = fc.integer({ min: 1, max: 365 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString());

/** A well-formed text of at most `max` characters for a named field. */
function plainText(name: string, s: JsonSchema): fc.Arbitrary<string> {
  const max = s.maxLength ?? 200;
  if (/sha256/i.test(name)) return fc.stringMatching(/^[0-9a-f]{64}$/);
  if (/email/i.test(name)) return fc.constantFrom('vigilance@acme.example', 'qa@supplier.example');
  // A review names a version the system has: most are registered with the example's.
  if (/^(model)?version$/i.test(name)) return fc.constantFrom('2.3.1', '2.3.1', '2.4.0');
  if (name === 'patientId') return fc.integer({ min: 100000, max: 100040 }).map((n) => `NL-${n}`);
  const texts: Array<fc.Arbitrary<string>> = [fc.constantFrom(...PLAIN), fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme-ascii' })];
  if (typeof s.example === 'string') texts.unshift(fc.constant(s.example), fc.constant(s.example));
  return fc.oneof(...texts).map((t) => t.slice(0, max) || 'x');
}

/** A valid-looking text with poison characters put in (NUL, other C0 controls, lone surrogates, RTL, …). */
function spicedText(name: string, s: JsonSchema): fc.Arbitrary<string> {
  // A digest that is not hex, an address that is not one, a version never deployed, is refused
  // whatever it holds: poison those only as `hostile`.
  if (/sha256|email|^(model)?version$/i.test(name)) return plainText(name, s);
  return fc
    .tuple(plainText(name, s), fc.array(fc.tuple(fc.constantFrom(...POISON), fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([text, cuts]) => cuts.reduce((t, [c, at]) => t.slice(0, at % (t.length + 1)) + c + t.slice(at % (t.length + 1)), text));
}

/** A copy of `o` with `key` as an own property, even `__proto__` (so that JSON.stringify writes it). */
export const withOwnKey = (o: Record<string, unknown>, key: string, value: unknown) => setOwn({ ...o }, key, value);
const setOwn = (o: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

/** Values of the wrong JSON type or shape for any property. */
const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype');
const wrongShape = fc.oneof(
  fc.constant([]),
  fc.constant({}),
  fc.constant(null),
  fc.constant([null]),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constantFrom('123', '-1', '1e308', 'NaN', 'true', 'null', ''),
  protoKeys.map((k) => withOwnKey({}, k, { polluted: true })),
);

/** A schema with `$ref` and single `allOf` resolved against the document's components. */
export function resolve(doc: OpenApiDocument, s: JsonSchema): JsonSchema {
  if (s.$ref) return resolve(doc, doc.components.schemas[s.$ref.split('/').pop()!]);
  if (s.allOf?.length === 1) return { ...resolve(doc, s.allOf[0]), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'allOf')) };
  return s;
}

export type Flavour = 'valid' | 'spiced' | 'hostile';

/**
 * A value for `s`. `valid`: what a careful client sends. `spiced`: the right shape, but free text
 * carries poison characters and nested objects may be arrays or empty (the inputs that passed
 * validation and stalled projections). `hostile`: anything wrong for the field.
 */
export function valueArb(doc: OpenApiDocument, schema: JsonSchema, name: string, flavour: Flavour): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const nullable = (a: fc.Arbitrary<unknown>) => (s.nullable ? fc.oneof({ weight: 4, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }) : a);
  if (flavour === 'hostile') {
    const huge = fc.constantFrom(s.maxLength ? s.maxLength + 1 : 10_000, 200_000).map((n) => 'A'.repeat(n));
    const arbs: Array<fc.Arbitrary<unknown>> = [wrongShape, valueArb(doc, s, name, 'spiced')];
    if (s.type === 'string' || s.format) arbs.push(huge, fc.constantFrom(' ', '\u0000', '\ud800', 'x'.repeat(3)));
    if (idKindOf(name)) arbs.push(fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', "' OR 1=1 --"));
    if (s.properties) arbs.push(objectArb(doc, s, 'valid').map((o) => withOwnKey(o, 'unexpectedField', 'x')));
    return fc.oneof(...arbs);
  }
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.default !== undefined && flavour === 'valid') return fc.constant(s.default);
  const kind = idKindOf(name);
  if (kind && (s.type === 'string' || s.type === undefined)) return poolRef(kind);
  if (s.format === 'uuid') return fc.uuid({ version: 7 });
  if (s.format === 'date-time') return nullable(/^due/.test(name) ? dueDate : isoDate);
  switch (s.type) {
    case 'string':
      return flavour === 'spiced' ? fc.oneof({ weight: 1, arbitrary: plainText(name, s) }, { weight: 2, arbitrary: spicedText(name, s) }) : plainText(name, s);
    case 'number':
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: (s.minimum ?? 0) + 18 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueArb(doc, s.items ?? {}, name, flavour), { maxLength: 3 });
    case 'object':
      if (!s.properties) return nullable(typeof s.example === 'number' ? fc.integer({ min: s.example, max: s.example + 96 }) : fc.constant({}));
      // An array is an object to `typeof`: without @ValidateNested it passes as an empty object.
      if (flavour === 'spiced')
        return fc.oneof(
          { weight: 3, arbitrary: objectArb(doc, s, 'spiced') },
          { weight: 2, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.constant({}) },
        );
      return objectArb(doc, s, flavour);
    default:
      return fc.constant('x');
  }
}

/**
 * Optional properties of which a request gives exactly one (the schema cannot say so): a review
 * names its patient by id or by pseudonym.
 */
const ONE_OF = [['patientId', 'patientPseudonym']];
/** Moments a request gives in order (the schema cannot say so either). */
const ORDERED = [
  ['from', 'to'],
  ['seenAt', 'decidedAt'],
  ['occurredAt', 'awareAt'],
];

/**
 * An object for `s`: every required property, each optional one four times in five (an absent
 * one is `undefined`, left out by JSON.stringify): a reason is optional in the schema but
 * required for most decisions.
 */
export function objectArb(doc: OpenApiDocument, schema: JsonSchema, flavour: Flavour): fc.Arbitrary<Record<string, unknown>> {
  const s = resolve(doc, schema);
  const group = ONE_OF.find((g) => g.every((k) => Object.hasOwn(s.properties ?? {}, k)));
  // Generated as if required; all but one are dropped below.
  const required = new Set([...(s.required ?? []), ...(group && flavour !== 'hostile' ? group : [])]);
  const props = Object.entries(s.properties ?? {});
  const model = Object.fromEntries(
    props.map(([k, p]) => [k, required.has(k) ? valueArb(doc, p, k, flavour) : fc.option(valueArb(doc, p, k, flavour), { nil: undefined, freq: 5 })]),
  );
  const record = (fc.record(model) as fc.Arbitrary<Record<string, unknown>>).map((generated) => {
    const o = { ...generated };
    for (const [a, b] of ORDERED) {
      if (typeof o[a] === 'string' && typeof o[b] === 'string' && o[a] > o[b]) [o[a], o[b]] = [o[b], o[a]];
    }
    return o;
  });
  if (!group || flavour === 'hostile') return record;
  return fc.tuple(record, fc.constantFrom(...group)).map(([o, keep]) => {
    const out = { ...o };
    for (const k of group) if (k !== keep) delete out[k];
    return out;
  });
}

/** A valid object with exactly one property made hostile, or one unknown / prototype key added. */
export function oneOffArb(doc: OpenApiDocument, schema: JsonSchema): fc.Arbitrary<{ body: Record<string, unknown>; field: string }> {
  const s = resolve(doc, schema);
  const names = Object.keys(s.properties ?? {});
  return fc.tuple(objectArb(doc, s, 'valid'), fc.constantFrom(...names, '__proto__', 'constructor', 'unknownField')).chain(([body, field]) => {
    const p = s.properties?.[field];
    const value = p ? valueArb(doc, p, field, 'hostile') : fc.oneof(fc.constant({ polluted: true }), fc.constant('x'));
    return value.map((v) => ({ body: withOwnKey(body, field, v), field }));
  });
}

/** Every property independently valid, spiced or hostile. */
export function chaosArb(doc: OpenApiDocument, schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const s = resolve(doc, schema);
  const model = Object.fromEntries(
    Object.entries(s.properties ?? {}).map(([k, p]) => [
      k,
      fc.oneof(valueArb(doc, p, k, 'valid'), valueArb(doc, p, k, 'spiced'), valueArb(doc, p, k, 'hostile')),
    ]),
  );
  return fc.record(model, { requiredKeys: [] });
}

/** Replaces every PoolRef in a generated value by an id from `pool` (or an unknown one). */
export function resolveRefs(value: unknown, pool: (ref: PoolRef) => string): unknown {
  if (value instanceof PoolRef) return pool(value);
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, pool));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, resolveRefs(v, pool));
    return out;
  }
  return value;
}
