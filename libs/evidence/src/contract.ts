/**
 * `@app/evidence/contract`: the shapes of the reconstruction's answer, declared once and read by
 * the server (and a bundle's timeline) and by the web app. Pure TypeScript, no imports.
 */

/** One row of a reconstructed timeline (`GET /reconstruction`, and `timeline.json` in a bundle). */
export interface TimelineEntry {
  position: number;
  streamId: string;
  revision: number;
  type: string;
  label: string;
  labelNl: string;
  occurredAt: string;
  recordedAt: string;
  /** Recorded more than an hour after it happened. */
  late: boolean;
  actor: string;
  role: string;
  patient: string | null;
  aiSystem: string | null;
  incident: string | null;
  decision: string | null;
  /** Free text, decrypted; `[erased]` when its subject key was shredded, `[redacted]` when withheld. */
  text: string | null;
}
