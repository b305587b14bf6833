export const CLOCK = Symbol('CLOCK');

/**
 * Business time for deadlines and retention. Real time by default; tests move it
 * (`travelTo`, `advance`) to check what is due or overdue without waiting.
 */
export class Clock {
  private offsetMs = 0;
  private frozen: number | null = null;

  now(): Date {
    return new Date(this.frozen ?? Date.now() + this.offsetMs);
  }

  travelTo(at: Date | string): void {
    this.frozen = null;
    this.offsetMs = new Date(at).getTime() - Date.now();
  }

  advance(ms: number): void {
    if (this.frozen !== null) this.frozen += ms;
    else this.offsetMs += ms;
  }

  freeze(at: Date | string = this.now()): void {
    this.frozen = new Date(at).getTime();
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozen = null;
  }
}
