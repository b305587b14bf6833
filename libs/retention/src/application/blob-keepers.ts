import { Injectable } from '@nestjs/common';

/**
 * Another context that stores content in the same content-addressed blob store (a compliance
 * document, ADR 0046): `keeps(sha256)` names what of its own still records those bytes (ids, never
 * personal data). A purge of a log artefact deletes its bytes only when no keeper names them.
 */
export interface BlobKeeper {
  context: string;
  keeps(sha256: string): Promise<string[]>;
}

/** The keepers registered at start-up, asked before a purge deletes a blob. */
@Injectable()
export class BlobKeepers {
  private readonly keepers = new Map<string, BlobKeeper>();

  register(keeper: BlobKeeper): void {
    if (this.keepers.has(keeper.context)) throw new Error(`A blob keeper for ${keeper.context} is registered already`);
    this.keepers.set(keeper.context, keeper);
  }

  /** What else records these bytes, as `<context>:<reference>`; empty when the blob may go. */
  async keepersOf(sha256: string): Promise<string[]> {
    const all = await Promise.all([...this.keepers.values()].map(async (k) => (await k.keeps(sha256)).map((ref) => `${k.context}:${ref}`)));
    return all.flat().sort();
  }
}
