import type { AdverseEvent, Group, Patient, Reference } from '@medplum/fhirtypes';
import { deviceReference, patientReference, SYSTEMS } from './codes';

/** What the AdverseEvent mapping needs of an incident (`IncidentFacts` of the incidents lib). */
export interface IncidentFhirFacts {
  incidentId: string;
  aiSystemId: string;
  aiSystemName: string;
  serious: boolean | null;
  nearMiss: boolean;
  date: string;
  detectedAt: string;
  detectedBy: string;
  patientPseudonyms: string[];
}

const SERIOUSNESS = 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness';

/**
 * An incident as a FHIR AdverseEvent. A near miss is `potential`, anything else `actual`;
 * seriousness only once classified (AI Act Art. 3(49) "serious incident"); the suspect entity is
 * the AI system (Device). R4 allows one subject: one patient is referenced by pseudonym, none or
 * several as a contained Group of pseudonyms. The narrative is personal free text and not shown.
 */
export function adverseEventOf(i: IncidentFhirFacts): AdverseEvent {
  const contained: Group[] = [];
  let subject: Reference<Patient | Group>;
  if (i.patientPseudonyms.length === 1) {
    subject = patientReference(i.patientPseudonyms[0]);
  } else {
    contained.push({
      resourceType: 'Group',
      id: 'patients',
      type: 'person',
      actual: true,
      quantity: i.patientPseudonyms.length,
      member: i.patientPseudonyms.map((p) => ({ entity: patientReference(p) })),
    });
    subject = { reference: '#patients', display: i.patientPseudonyms.length === 0 ? 'No patient named' : `${i.patientPseudonyms.length} patients` };
  }
  return {
    resourceType: 'AdverseEvent',
    id: i.incidentId,
    ...(contained.length ? { contained } : {}),
    identifier: { system: SYSTEMS.incident, value: i.incidentId },
    actuality: i.nearMiss ? 'potential' : 'actual',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-category', code: 'product-problem', display: 'Product Problem' }] }],
    event: { text: i.nearMiss ? `Near miss with AI system ${i.aiSystemName}` : `Incident with AI system ${i.aiSystemName}` },
    subject,
    date: i.date,
    detected: i.detectedAt,
    recorder: { identifier: { system: SYSTEMS.actor, value: i.detectedBy }, display: i.detectedBy },
    ...(i.serious === null
      ? {}
      : {
          seriousness: {
            coding: [
              i.serious ? { system: SERIOUSNESS, code: 'serious', display: 'Serious' } : { system: SERIOUSNESS, code: 'non-serious', display: 'Non-serious' },
            ],
          },
        }),
    suspectEntity: [{ instance: deviceReference(i.aiSystemId, i.aiSystemName) }],
  };
}
