import type { EventEnvelope } from './envelope';

/** Turns an event of (type, fromVersion) into the next version's shape. Stored bytes never change. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: Record<string, unknown>, event: EventEnvelope): Record<string, unknown>;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  register(...upcasters: Upcaster[]): this {
    for (const u of upcasters) {
      const key = `${u.type}@${u.fromVersion}`;
      if (this.byKey.has(key)) throw new Error(`Upcaster for ${key} registered twice`);
      this.byKey.set(key, u);
    }
    return this;
  }

  /** Applies the chain fromVersion → fromVersion+1 → … until no upcaster is left. */
  apply(event: EventEnvelope): EventEnvelope {
    if (this.byKey.size === 0) return event;
    let current = event;
    for (;;) {
      const u = this.byKey.get(`${current.type}@${current.schemaVersion}`);
      if (!u) return current;
      current = { ...current, data: u.upcast(current.data, current), schemaVersion: current.schemaVersion + 1 };
    }
  }
}
