// SMART App Launch 2.x. EHR launch: the EHR opens /smart/launch?iss=<FHIR base>&launch=<opaque>.
// Standalone launch: the user opens /smart/launch?iss=<FHIR base> (the login page's "Sign in with
// the EHR" does), and the EHR's authorization server asks which patient. Either way the official
// fhirclient library runs the authorization (code + PKCE) and the callback; the EHR's access token
// becomes the registry session, the patient of the token answer becomes `patientContext`.
import { type Session, sessionFromToken, type SmartSettings, type WebConfig } from './auth';
import { lang } from './i18n';
import { patientContext, signal } from './state';

/** What the clinician sees to confirm the patient: shown only, never sent to the registry or stored. */
export interface LaunchPatient {
  name: string;
  birthDate: string | null;
}
export const launchPatient = signal<LaunchPatient | null>(null);

export function clearPatientContext(): void {
  patientContext.set(null);
  launchPatient.set(null);
}

const normalise = (url: string) => url.trim().replace(/\/+$/, '');

/** Only a FHIR server on the allow-list (SMART_FHIR_ISSUERS) may start a launch; exact match, no prefix. */
export function allowedIssuer(smart: SmartSettings | null, iss: string | null): boolean {
  if (!smart || !iss) return false;
  return smart.fhirIssuers.some((allowed) => normalise(allowed) === normalise(iss));
}

export const smartRedirectUri = () => `${location.origin}/smart/callback`;

// Loaded only on the launch pages: the rest of the app does not carry the library.
const fhir = () => import('fhirclient/lib/entry/browser').then((m) => m.default);

/**
 * A standalone launch has no EHR context to name, so it asks the authorization server to establish
 * a patient instead: `launch/patient` in place of `launch` (SMART App Launch 2.x, scopes for
 * requesting context data, https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html).
 */
export function standaloneScope(scope: string): string {
  const rest = scope.split(/\s+/).filter((s) => s && s !== 'launch' && s !== 'launch/patient');
  return ['launch/patient', ...rest].join(' ');
}

/**
 * Step 1, on /smart/launch: fhirclient reads `iss` (and, in an EHR launch, `launch`) from the URL
 * and redirects to the EHR's authorization server; without `launch` it is a standalone launch.
 */
export async function startSmartLaunch(smart: SmartSettings, standalone: boolean): Promise<void> {
  const FHIR = await fhir();
  await FHIR.oauth2.authorize({ clientId: smart.clientId, scope: standalone ? standaloneScope(smart.scope) : smart.scope, redirectUri: smartRedirectUri() });
}

interface HumanName {
  use?: string;
  text?: string;
  given?: string[];
  family?: string;
}

export function displayName(names: HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return '—';
  return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

/** A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) in the chosen language; a full date is a calendar date, not an instant. */
export function formatBirthDate(date: string | null): string {
  if (!date) return '—';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  return new Intl.DateTimeFormat(lang.get() === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/**
 * Step 2, on /smart/callback: fhirclient checks the state and redeems the code (PKCE); the token
 * answer names the patient in context. The Patient is read from the EHR's FHIR server for the
 * banner, then fhirclient's copy of the token answer leaves sessionStorage: the patient id stays in
 * memory only.
 */
export async function finishSmartLaunch(config: WebConfig): Promise<Session> {
  const FHIR = await fhir();
  const client = await FHIR.oauth2.ready();
  try {
    const token = client.state.tokenResponse?.access_token;
    if (!token) throw new Error('no access token in the answer');
    const session = sessionFromToken(token, config.oidc);
    const patientId = client.patient.id;
    if (!patientId) throw new Error('the EHR sent no patient in context');
    const patient = (await client.patient.read()) as { name?: HumanName[]; birthDate?: string };
    launchPatient.set({ name: displayName(patient.name), birthDate: patient.birthDate ?? null });
    patientContext.set({ patientId: String(patientId) });
    return session;
  } finally {
    forgetLaunchState();
  }
}

/** fhirclient keeps its state (token answer, patient id) under the key SMART_KEY names. */
function forgetLaunchState(): void {
  const key = sessionStorage.getItem('SMART_KEY');
  if (key) sessionStorage.removeItem(JSON.parse(key) as string);
  sessionStorage.removeItem('SMART_KEY');
}
