import { Injectable } from '@nestjs/common';
import type { ErasureGround } from '../domain/erasure';

/**
 * A context that may have to keep a data subject's personal data (GDPR Art. 17(3)): retention
 * (legal holds), incidents (open incidents), disclosure (open requests). It registers itself in
 * its module's onModuleInit:
 *
 *     constructor(private readonly blockers: ErasureBlockers) {}
 *     onModuleInit() { this.blockers.register({ context: 'retention', groundsFor: (p) => this.holdsCovering(p) }); }
 */
export interface ErasureBlocker {
  readonly context: string;
  groundsFor(pseudonym: string): Promise<ErasureGround[]>;
}

/** Every registered blocker; with none registered nothing blocks an erasure (and the event says what was checked). */
@Injectable()
export class ErasureBlockers {
  private readonly blockers = new Map<string, ErasureBlocker>();

  register(blocker: ErasureBlocker): void {
    if (this.blockers.has(blocker.context)) throw new Error(`An erasure blocker for ${blocker.context} is registered already`);
    this.blockers.set(blocker.context, blocker);
  }

  get contexts(): string[] {
    return [...this.blockers.keys()].sort();
  }

  async groundsFor(pseudonym: string): Promise<ErasureGround[]> {
    const all = await Promise.all([...this.blockers.values()].map((b) => b.groundsFor(pseudonym)));
    return all.flat();
  }
}

/**
 * A blocker from a lookup: `references(pseudonym)` returns the ids (never personal data) of what
 * requires keeping the subject's data, e.g. the active legal holds that name them.
 */
export function erasureBlocker(context: string, ground: string, article: string, references: (pseudonym: string) => Promise<string[]>): ErasureBlocker {
  return {
    context,
    async groundsFor(pseudonym) {
      return (await references(pseudonym)).map((reference) => ({ ground, article, context, reference }));
    },
  };
}
