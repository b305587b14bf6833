import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam, ResourceType } from '@medplum/fhirtypes';

type Param = CapabilityStatementRestResourceSearchParam;
const std = (name: string, type: Param['type'], resource: string, documentation: string): Param => ({
  name,
  type,
  definition: `http://hl7.org/fhir/SearchParameter/${resource}-${name}`,
  documentation,
});
/** Not in R4 for this resource: the registry's own parameter, with the same meaning everywhere. */
const device = (what: string): Param => ({ name: 'device', type: 'reference', documentation: `The AI system (Device/<id> or its id) ${what}` });
const PATIENT_DOC = 'The patient by pseudonym (p-… or Patient/p-…); patient ids are never accepted';
const DATE_DOC = 'Prefixes eq (default), gt, lt, ge, le; repeat for a range; a value without zone is UTC';

/** What this facade serves: read and search-type of four resource types, with the searches the controller implements. */
export const RESOURCES: Partial<Record<ResourceType, Param[]>> = {
  Device: [],
  Provenance: [
    std('patient', 'reference', 'Provenance', PATIENT_DOC),
    std('recorded', 'date', 'Provenance', `When the review was recorded. ${DATE_DOC}`),
    device('whose output was reviewed'),
  ],
  AuditEvent: [std('patient', 'reference', 'AuditEvent', PATIENT_DOC), std('date', 'date', 'AuditEvent', `When the access was logged. ${DATE_DOC}`)],
  AdverseEvent: [
    std('subject', 'reference', 'AdverseEvent', PATIENT_DOC),
    { name: 'patient', type: 'reference', documentation: `Same as subject. ${PATIENT_DOC}` },
    std('date', 'date', 'AdverseEvent', `When it occurred (when it was detected if that is not known). ${DATE_DOC}`),
    device('the incident concerns'),
  ],
};

export function capabilityStatement(date: string): CapabilityStatement {
  const resource = Object.entries(RESOURCES).map(([type, searchParam]): CapabilityStatementRestResource => ({
    type: type as ResourceType,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    ...(searchParam.length ? { searchParam } : {}),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'oversight-registry',
    kind: 'instance',
    software: { name: 'oversight-registry' },
    implementation: { description: 'Read-only FHIR R4 facade of the oversight registry: AI systems, reviews, access log, incidents' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Read-only. Bearer token as on /api/v1; the same roles per resource type as the API routes they mirror. Paging: _count (1-500, default 50) and the next link (_cursor). Unknown search parameters are refused (400).',
        security: { service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }] },
        resource,
      },
    ],
  };
}
