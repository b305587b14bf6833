/**
 * The pause of a background loop, which stopping cuts short: `idle(ms)` resolves after `ms`, or
 * at once when `wake()` is called (so a stop does not wait out a poll interval).
 */
export class Idler {
  private waking?: () => void;

  idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waking = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waking = done;
    });
  }

  wake(): void {
    this.waking?.();
  }
}
