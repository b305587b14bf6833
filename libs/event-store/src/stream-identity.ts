/**
 * One entity, one stream: `review-<id>`. The stream name is made from the id and the id read
 * back from a stream name here only, so no handler slices a prefix off by hand (a retried create
 * answers with the id of the stream the store says it wrote, which this reads back).
 */
export interface StreamIdentity {
  readonly prefix: string;
  readonly streamOf: (id: string) => string;
  readonly idOf: (streamId: string) => string;
}

export function streamIdentity(prefix: string): StreamIdentity {
  return {
    prefix,
    streamOf: (id) => `${prefix}${id}`,
    idOf: (streamId) => {
      if (!streamId.startsWith(prefix)) throw new Error(`Stream ${streamId} is not a ${prefix}… stream`);
      return streamId.slice(prefix.length);
    },
  };
}
