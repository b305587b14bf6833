import type { Device, Identifier, Patient, Practitioner, Reference } from '@medplum/fhirtypes';

/** Identifier and code systems of this registry (URNs: no web page to resolve, none implied). */
export const SYSTEMS = {
  patientPseudonym: 'urn:oversight-registry:patient-pseudonym',
  aiSystem: 'urn:oversight-registry:ai-system',
  aiOutput: 'urn:oversight-registry:ai-output-reference',
  actor: 'urn:oversight-registry:actor',
  reviewDecision: 'urn:oversight-registry:review-decision',
  reviewStatus: 'urn:oversight-registry:review-status',
  accessAction: 'urn:oversight-registry:access-action',
  incident: 'urn:oversight-registry:incident',
  role: 'urn:oversight-registry:role',
} as const;

/** A patient as the registry knows them: by pseudonym only, a logical reference never served here. */
export function patientReference(pseudonym: string): Reference<Patient> {
  return { type: 'Patient', identifier: patientIdentifier(pseudonym) };
}

export function patientIdentifier(pseudonym: string): Identifier {
  return { system: SYSTEMS.patientPseudonym, value: pseudonym };
}

/** A person or client as access tokens name them (the `sub` the API shows as actor). */
export function actorReference(subject: string, role: string): Reference<Practitioner> {
  return { identifier: { system: SYSTEMS.actor, value: subject }, display: `${subject} (${role})` };
}

export const deviceReference = (aiSystemId: string, display?: string): Reference<Device> => ({
  reference: `Device/${aiSystemId}`,
  ...(display ? { display } : {}),
});
