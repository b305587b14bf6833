import type { AuditEvent, AuditEventAgent, Coding } from '@medplum/fhirtypes';
import { actorReference, patientReference, SYSTEMS } from './codes';

/** One NEN 7513 access-log entry, as `AccessLog.find` returns it. */
export interface AccessFacts {
  seq: number;
  entryId: string;
  requestId: string;
  at: string;
  actor: { subject: string; role: string };
  action: string;
  dataSubject: string;
  resource: string;
  ip?: string;
  userAgent?: string;
  entryHash: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** Any data subject (a log file may name any patient): `ANY_DATA_SUBJECT` in the identity lib. */
const ANY_SUBJECT = '*';

/** Lists and searches are BALP queries; every other logged access (read, export, download) a read. */
const isQuery = (action: string) => /^(list|search)-/.test(action) || action === 'read';

/**
 * An access-log entry as a FHIR AuditEvent following IHE Basic Audit Log Patterns (BALP 1.1,
 * PatientRead / PatientQuery): type `rest`, subtype the RESTful interaction (plus the registry's
 * own action code), action R or E, outcome success (only successful accesses are logged), the
 * user as the requestor, the client (network address) as Source Role ID, this registry as
 * Destination Role ID and observer, and the patient and the data as entities. Not stored, so not
 * shown: the query string (it may hold search terms: ADR 0010), hence no `entity.query`.
 */
export function auditEventOf(e: AccessFacts, registry: { name: string; url: string }): AuditEvent {
  const query = isQuery(e.action);
  const subtype: Coding[] = [
    query
      ? { system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type', display: 'search type' }
      : { system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' },
    { system: SYSTEMS.accessAction, code: e.action },
  ];
  const agents: AuditEventAgent[] = [
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      role: [{ coding: [{ system: SYSTEMS.role, code: e.actor.role }] }],
      who: actorReference(e.actor.subject, e.actor.role),
      requestor: true,
    },
    {
      type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
      who: { display: e.userAgent ? `client: ${e.userAgent}` : 'client' },
      requestor: false,
      ...(e.ip ? { network: { address: e.ip, type: '2' as const } } : {}),
    },
    {
      type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
      who: { display: registry.name },
      requestor: false,
      network: { address: registry.url, type: '5' },
    },
  ];
  return {
    resourceType: 'AuditEvent',
    id: e.entryId,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    subtype,
    action: query ? 'E' : 'R',
    recorded: e.at,
    outcome: '0',
    agent: agents,
    source: {
      site: registry.name,
      observer: { display: registry.name },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      ...(e.dataSubject === ANY_SUBJECT
        ? []
        : [
            {
              what: patientReference(e.dataSubject),
              type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
              role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
            },
          ]),
      {
        what: { display: e.resource },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: query ? { system: OBJECT_ROLE, code: '24', display: 'Query' } : { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
        description: e.dataSubject === ANY_SUBJECT ? `${e.resource} (content that may name any patient)` : e.resource,
        // The entry's place in the hash chain (GET /api/v1/access-log/verification checks it) and the request it belonged to.
        detail: [
          { type: 'sequence', valueString: String(e.seq) },
          { type: 'entryHash', valueString: e.entryHash },
          { type: 'requestId', valueString: e.requestId },
        ],
      },
    ],
  };
}
