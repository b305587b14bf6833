import { v5 as uuidv5 } from 'uuid';

/** Namespace of output ids: UUID v5 of "<aiSystemId>\n<outputReference>" (RFC 9562 §5.5). */
const OUTPUT_ID_NAMESPACE = '6f3c1e0a-2b47-4d8e-9a51-0c7d25e4b913';

/**
 * The id (and stream) of one output: the same system and reference always give the same id, so
 * the feed needs no lookup to stay idempotent, and a review finds the output it is of.
 */
export const outputIdOf = (aiSystemId: string, outputReference: string): string =>
  uuidv5(`${aiSystemId.toLowerCase()}\n${outputReference}`, OUTPUT_ID_NAMESPACE);
