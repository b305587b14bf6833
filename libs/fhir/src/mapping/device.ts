import type { Device } from '@medplum/fhirtypes';
import { SYSTEMS } from './codes';

/** What the Device mapping needs of an AI system: the inventory row or the folded state. */
export interface AiSystemFacts {
  aiSystemId: string;
  name: string;
  supplierName: string;
  currentVersion: string;
  knownVersions: string[];
  status: string;
  suspensionReason: string | null;
  intendedPurpose: string;
  aiActRiskClass: string;
  mdrClass: string;
  udiDi: string | null;
}

/**
 * An AI system as a FHIR Device: the software that produced the outputs clinicians review.
 * Suspended use is `inactive` with the reason (R4 Device.status has no "suspended").
 */
export function deviceOf(s: AiSystemFacts): Device {
  const suspended = s.status === 'suspended';
  return {
    resourceType: 'Device',
    id: s.aiSystemId,
    identifier: [{ system: SYSTEMS.aiSystem, value: s.aiSystemId }],
    ...(s.udiDi ? { udiCarrier: [{ deviceIdentifier: s.udiDi }] } : {}),
    status: suspended ? 'inactive' : 'active',
    ...(suspended ? { statusReason: [{ text: `Use suspended${s.suspensionReason ? `: ${s.suspensionReason}` : ''}` }] } : {}),
    manufacturer: s.supplierName,
    deviceName: [{ name: s.name, type: 'user-friendly-name' }],
    type: { text: 'AI system (software)' },
    // Every version ever deployed; reviews name the one they saw. The deployed one first.
    version: [
      { type: { text: 'deployed' }, value: s.currentVersion },
      ...s.knownVersions.filter((v) => v !== s.currentVersion).map((value) => ({ type: { text: 'previously deployed' }, value })),
    ],
    property: [
      { type: { text: 'AI Act risk class' }, valueCode: [{ text: s.aiActRiskClass }] },
      { type: { text: 'MDR class' }, valueCode: [{ text: s.mdrClass }] },
    ],
    note: [{ text: `Intended purpose: ${s.intendedPurpose}` }],
  };
}
