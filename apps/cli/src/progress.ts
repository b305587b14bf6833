import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on the terminal for long work (on stderr, and only on a terminal: piped or
 * captured output gets the result lines alone). `update(done, total, phase?)`; `stop()` when finished.
 */
export function progressBar(label: string, unit = ''): { update(done: number, total: number, phase?: string): void; stop(): void } {
  const bar = new SingleBar({ format: `${label} |{bar}| {phase}{value}/{total}${unit ? ` ${unit}` : ''}`, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total, phase) {
      const payload = { phase: phase ? `${phase} ` : '' };
      if (!started) {
        bar.start(Math.max(1, total), 0, payload);
        started = true;
      }
      bar.setTotal(Math.max(1, total, done));
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A running count for long work whose total is not known until it ends (on stderr, only on a terminal). */
export function progressCount(label: string, unit: string): { update(done: number): void; stop(): void } {
  const bar = new SingleBar({ format: `${label}: {value} ${unit}`, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(done) {
      if (!started) {
        bar.start(0, 0);
        started = true;
      }
      bar.setTotal(done);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
