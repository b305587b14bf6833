import { Controller, Get, Header, Param, Req, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AdverseEvent, AuditEvent, Bundle, CapabilityStatement, Device, Provenance } from '@medplum/fhirtypes';
import { CountAiSystemsQuery, GetAiSystemQuery, ListAiSystemsQuery } from '@app/ai-systems';
import { CLOCK, type Clock } from '@app/event-store';
import {
  AccessLog,
  AccessLogExempt,
  AccessLogged,
  type AuthenticatedRequest,
  CurrentPrincipal,
  type Principal,
  Public,
  pseudonymsIn,
  Roles,
} from '@app/identity';
import { GetIncidentQuery, SearchIncidentsQuery } from '@app/incidents';
import { CountReviewsQuery, GetReviewQuery, ListReviewsQuery } from '@app/oversight';
import { decodeCursor, encodeCursor, ProblemException } from '@app/platform';
import { Inject } from '@nestjs/common';
import { adverseEventOf } from './mapping/adverse-event';
import { auditEventOf } from './mapping/audit-event';
import { capabilityStatement } from './mapping/capability';
import { deviceOf } from './mapping/device';
import { provenanceOf } from './mapping/provenance';
import { FHIR_JSON, OperationOutcomeFilter } from './outcome.filter';
import { checkParams, countOf, dateRangeOf, deviceOf as deviceParam, patientOf, searchset, type SearchQuery, single } from './search';

/*
 * The roles of each resource type are those of the API route it mirrors (docs/fhir.md, "Roles");
 * test/e2e/fhir.e2e-spec.ts compares them with the API's, so the two cannot drift apart.
 */
/** GET /api/v1/reviews and /reviews/{id}: clinicians see only their own reviews. */
const REVIEW_READERS = ['clinician', 'quality-manager', 'legal', 'auditor'] as const;
/** GET /api/v1/access-log. */
const AUDITORS = ['auditor'] as const;
/** GET /api/v1/incidents (the board). */
const INCIDENT_READERS = ['quality-manager', 'legal', 'auditor'] as const;
/** GET /api/v1/incidents/{id}: staff other than readers see only incidents they reported. */
const INCIDENT_STAFF = ['clinician', 'quality-manager', 'legal', 'auditor', 'admin'] as const;
const isIncidentReader = (role: string) => (INCIDENT_READERS as readonly string[]).includes(role);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Without the id: the same answer for a resource that does not exist and one the caller may not see.
const notFound = (type: string) =>
  new ProblemException(404, 'resource-not-found', 'Not found', `No ${type} with this id`, [{ field: 'id', message: `no such ${type}` }]);

/** Express hands over a parsed query string; FHIR parameters are plain strings, repeatable. */
function searchQuery(req: AuthenticatedRequest): SearchQuery {
  const out: SearchQuery = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) out[name] = value;
    else
      throw new ProblemException(400, 'invalid-search-parameter', 'Bad request', `Search parameter ${name} is not a plain value`, [
        { field: name, message: 'is not a plain value' },
      ]);
  }
  return out;
}

function selfUrl(req: AuthenticatedRequest): URL {
  return new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
}

/**
 * The read-only FHIR R4 facade (issue 25): AI systems as Device, reviews as Provenance, the access
 * log as AuditEvent (IHE BALP), incidents as AdverseEvent. Read from each context's queries, as
 * the API routes read them; patients only by pseudonym.
 */
@ApiTags('FHIR R4 (read-only)')
@ApiBearerAuth()
@Controller('fhir')
@UseFilters(OperationOutcomeFilter)
export class FhirController {
  constructor(
    private readonly queries: QueryBus,
    private readonly accessLog: AccessLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('metadata')
  @Public()
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR CapabilityStatement: what this read-only facade serves' })
  metadata(): CapabilityStatement {
    return capabilityStatement(this.clock.now().toISOString());
  }

  @Get('Device')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'AI systems as FHIR Devices (searchset; as GET /api/v1/ai-systems)' })
  async devices(@Req() req: AuthenticatedRequest): Promise<Bundle<Device>> {
    const query = searchQuery(req);
    checkParams(query, []);
    const page = await this.queries.execute(new ListAiSystemsQuery(countOf(query), single(query, '_cursor')));
    const total = await this.queries.execute(new CountAiSystemsQuery());
    return searchset(selfUrl(req), page.items.map(deviceOf), total, page.nextCursor);
  }

  @Get('Device/:id')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'One AI system as a FHIR Device (as GET /api/v1/ai-systems/{id})' })
  async device(@Param('id') id: string): Promise<Device> {
    if (!UUID.test(id)) throw notFound('Device');
    const { state } = await this.queries.execute(new GetAiSystemQuery(id.toLowerCase()));
    if (!state.exists) throw notFound('Device');
    return deviceOf({ ...state, supplierName: state.supplier.name, suspensionReason: state.suspension?.reason ?? null });
  }

  @Get('Provenance')
  @Roles(...REVIEW_READERS)
  @AccessLogged('list-reviews', (bundle: Bundle) => pseudonymsIn(bundle))
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Reviews as FHIR Provenance (searchset: patient, recorded, device); clinicians see only their own' })
  async provenances(@Req() req: AuthenticatedRequest, @CurrentPrincipal() who: Principal): Promise<Bundle<Provenance>> {
    const query = searchQuery(req);
    checkParams(query, ['patient', 'recorded', 'device']);
    const recorded = dateRangeOf(query, 'recorded');
    const filter = {
      aiSystemId: deviceParam(query, 'device'),
      patientPseudonym: patientOf(query, 'patient'),
      reviewer: who.role === 'clinician' ? who.subject : undefined,
      recordedFrom: recorded.from,
      recordedTo: recorded.to,
    };
    const page = await this.queries.execute(new ListReviewsQuery({ ...filter, limit: countOf(query), cursor: single(query, '_cursor') }));
    const total = await this.queries.execute(new CountReviewsQuery(filter));
    return searchset(selfUrl(req), page.items.map(provenanceOf), total, page.nextCursor);
  }

  @Get('Provenance/:id')
  @Roles(...REVIEW_READERS)
  @AccessLogged('read-review', (p: Provenance) => pseudonymsIn(p))
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'One review as FHIR Provenance (as GET /api/v1/reviews/{id})' })
  async provenance(@Param('id') id: string, @CurrentPrincipal() who: Principal): Promise<Provenance> {
    if (!UUID.test(id)) throw notFound('Provenance');
    const view = await this.queries.execute(new GetReviewQuery(id.toLowerCase()));
    // A clinician gets 404, not 403, for someone else's review, as on the API.
    if (!view || (who.role === 'clinician' && view.reviewer.subject !== who.subject)) throw notFound('Provenance');
    return provenanceOf({
      ...view,
      reviewerSubject: view.reviewer.subject,
      reviewerRole: view.reviewer.role,
      corrections: view.corrections,
      withdrawn: view.withdrawn,
    });
  }

  @Get('AuditEvent')
  @Roles(...AUDITORS)
  @AccessLogExempt('reading the access log audits accesses, as GET /api/v1/access-log (ADR 0010)')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'The NEN 7513 access log as FHIR AuditEvents (IHE BALP; searchset: patient, date), oldest first' })
  async auditEvents(@Req() req: AuthenticatedRequest): Promise<Bundle<AuditEvent>> {
    const query = searchQuery(req);
    checkParams(query, ['patient', 'date']);
    const date = dateRangeOf(query, 'date');
    const filter = { subject: patientOf(query, 'patient'), from: date.from, to: date.to };
    const limit = countOf(query);
    const after = decodeCursor(single(query, '_cursor'), 1) as [number] | undefined;
    const rows = await this.accessLog.find({ ...filter, afterSeq: after ? Number(after[0]) : undefined, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const total = await this.accessLog.count(filter);
    const self = selfUrl(req);
    const registry = this.registry(self);
    const next = rows.length > limit ? encodeCursor([items[items.length - 1].seq]) : null;
    return searchset(
      self,
      items.map((e) => auditEventOf(e, registry)),
      total,
      next,
    );
  }

  @Get('AuditEvent/:id')
  @Roles(...AUDITORS)
  @AccessLogExempt('reading the access log audits accesses, as GET /api/v1/access-log (ADR 0010)')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'One access-log entry as a FHIR AuditEvent (IHE BALP)' })
  async auditEvent(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<AuditEvent> {
    if (!UUID.test(id)) throw notFound('AuditEvent');
    const [entry] = await this.accessLog.find({ entryId: id.toLowerCase(), limit: 1 });
    if (!entry) throw notFound('AuditEvent');
    return auditEventOf(entry, this.registry(selfUrl(req)));
  }

  @Get('AdverseEvent')
  @Roles(...INCIDENT_READERS)
  @AccessLogged('list-incidents', (bundle: Bundle) => pseudonymsIn(bundle))
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Incidents as FHIR AdverseEvents (searchset: subject/patient, date, device), oldest id first' })
  async adverseEvents(@Req() req: AuthenticatedRequest): Promise<Bundle<AdverseEvent>> {
    const query = searchQuery(req);
    checkParams(query, ['subject', 'patient', 'date', 'device']);
    if (query.subject !== undefined && query.patient !== undefined) {
      throw new ProblemException(400, 'invalid-search-parameter', 'Bad request', 'Give subject or patient, not both', [
        { field: 'patient', message: 'give subject or patient, not both' },
      ]);
    }
    const date = dateRangeOf(query, 'date');
    const limit = countOf(query);
    const after = decodeCursor(single(query, '_cursor'), 1) as [number] | undefined;
    const offset = after && Number.isInteger(after[0]) && after[0] > 0 ? after[0] : 0;
    const { items, total } = await this.queries.execute(
      new SearchIncidentsQuery({
        aiSystemId: deviceParam(query, 'device'),
        patientPseudonym: patientOf(query, 'subject') ?? patientOf(query, 'patient'),
        dateFrom: date.from,
        dateTo: date.to,
        limit,
        offset,
      }),
    );
    const next = offset + items.length < total ? encodeCursor([offset + items.length]) : null;
    return searchset(selfUrl(req), items.map(adverseEventOf), total, next);
  }

  @Get('AdverseEvent/:id')
  @Roles(...INCIDENT_STAFF)
  @AccessLogged('read-incident', (e: AdverseEvent) => pseudonymsIn(e))
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'One incident as a FHIR AdverseEvent (as GET /api/v1/incidents/{id}); staff see only what they reported' })
  async adverseEvent(@Param('id') id: string, @CurrentPrincipal() who: Principal): Promise<AdverseEvent> {
    if (!UUID.test(id)) throw notFound('AdverseEvent');
    const view = await this.queries.execute(new GetIncidentQuery(id.toLowerCase()));
    if (!view || (!isIncidentReader(who.role) && view.detectedBy.subject !== who.subject)) throw notFound('AdverseEvent');
    return adverseEventOf({ ...view, date: view.occurredAt ?? view.detectedAt, detectedBy: view.detectedBy.subject });
  }

  @Get(':type')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Any other resource type: 404 OperationOutcome (see /fhir/metadata)' })
  unsupportedType(): never {
    throw unsupported();
  }

  @Get(':type/:id')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Any other resource type: 404 OperationOutcome (see /fhir/metadata)' })
  unsupportedResource(): never {
    throw unsupported();
  }

  private registry(self: URL) {
    return { name: 'oversight-registry', url: `${self.origin}/fhir` };
  }
}

// The type is the client's text (it could be anything); not echoed.
const unsupported = () =>
  new ProblemException(404, 'resource-type-not-supported', 'Not found', 'This resource type is not served here; /fhir/metadata lists those that are', [
    { field: 'type', message: 'is not a resource type this server supports' },
  ]);
