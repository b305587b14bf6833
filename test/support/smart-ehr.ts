// Starts the test EHR (smart-ehr-server.mjs: oidc-provider as its authorization server and a
// minimal FHIR R4 endpoint) in a child process on an ephemeral port; real HTTP, real RS256 JWTs.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitForExit } from './child-api';

export interface SmartEhrOptions {
  clientId: string;
  /** The registry's `/smart/callback`, registered for the client. */
  redirectUri: string;
  /** The registry's OIDC_AUDIENCE: the `aud` of the JWT access tokens. */
  audience: string;
  rolesClaim: string;
  /** The EHR's users: name, and role names it puts in the roles claim (mapped by OIDC_ROLE_MAP). */
  users: Record<string, { name: string; roles: string[] }>;
  /** FHIR R4 Patient resources the endpoint serves. */
  patients: Array<Record<string, unknown> & { id: string }>;
}

export interface SmartEhr {
  /** The authorization server's issuer: the registry's OIDC_ISSUER. */
  issuer: string;
  /** The FHIR base URL (the `iss` of a launch). */
  fhirBase: string;
  /** Opens a launch context for a patient and the user signed in to the EHR, as the EHR does before launching the app. */
  newLaunch(patientId: string, user: string): Promise<string>;
  output(): string;
  close(): Promise<void>;
}

export async function startSmartEhr(options: SmartEhrOptions): Promise<SmartEhr> {
  const proc: ChildProcess = spawn(process.execPath, [join(__dirname, 'smart-ehr-server.mjs')], {
    env: { ...process.env, SMART_EHR: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const started = await new Promise<{ issuer: string; fhirBase: string }>((resolve, reject) => {
    let line = '';
    proc.stdout!.on('data', (d) => {
      line += d;
      if (line.includes('\n')) resolve(JSON.parse(line.split('\n')[0]) as { issuer: string; fhirBase: string });
    });
    proc.once('exit', (code) => reject(new Error(`test EHR exited (${code}):\n${out}`)));
  });
  return {
    ...started,
    async newLaunch(patientId, user) {
      const query = new URLSearchParams({ patient: patientId, user });
      const res = await fetch(`${started.issuer}/ehr/launch?${query.toString()}`, { method: 'POST' });
      if (res.status !== 201) throw new Error(`test EHR answered ${res.status}`);
      return ((await res.json()) as { launch: string }).launch;
    },
    output: () => out,
    async close() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await waitForExit(proc);
    },
  };
}
