import { HOSPITAL_ZONE } from '@app/calendar/zone';
import { DateTime } from 'luxon';
import { type Decider, DomainError } from '@app/event-store/core';
import type { CloseSupplierNotice, ReceiveSupplierNotice, RecordSupplierNoticeAction, SupplierNoticeCommand } from './supplier-notice.commands';
import type { NoticeActor, RequestedAction, SupplierNoticeEvent, SupplierNoticeReceivedData } from './supplier-notice.events';

export type SupplierNoticeStatus = 'open' | 'closed';

export interface NoticeAction {
  description: string;
  doneAt: string;
  completesRequestedAction: boolean;
  doneBy: NoticeActor;
}

export interface ReceivedSupplierNotice extends Omit<SupplierNoticeReceivedData, 'unknownVersionsReason'> {
  exists: true;
  unknownVersionsReason: string | null;
  status: SupplierNoticeStatus;
  actions: NoticeAction[];
  /** When an action first did what the notice asks; its deadlines are met then. */
  completedAt: string | null;
  closure: { conclusion: string; closedAt: string; closedBy: NoticeActor } | null;
}

export type SupplierNoticeState = { exists: false } | ReceivedSupplierNotice;

/** Whose deadline: the supplier's date for its requested action, or the hospital's own. */
export type NoticeDeadlineKind = 'requested-action' | 'act-by';

export interface NoticeDeadline {
  kind: NoticeDeadlineKind;
  dueAt: string;
  /** Met by an action that completes what the notice asks, or by closing the notice; null while open. */
  metAt: string | null;
}

/** Business times may be a little ahead of the server's clock (a client's clock), not more. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function decide(command: SupplierNoticeCommand, state: SupplierNoticeState): SupplierNoticeEvent[] {
  if (command.type === 'ReceiveSupplierNotice') return receive(command, state);
  if (!state.exists) {
    throw new DomainError('supplier-notice-not-found', `Supplier notice ${command.supplierNoticeId} is not recorded.`, 404);
  }
  if (state.status === 'closed') {
    throw new DomainError('supplier-notice-closed', `Supplier notice ${state.supplierNoticeId} is closed.`, 409);
  }
  switch (command.type) {
    case 'RecordSupplierNoticeAction':
      return recordAction(command, state);
    case 'CloseSupplierNotice':
      return close(command, state);
  }
}

function receive(command: ReceiveSupplierNotice, state: SupplierNoticeState): SupplierNoticeEvent[] {
  if (state.exists) {
    throw new DomainError('supplier-notice-exists', `Supplier notice ${command.supplierNoticeId} is already recorded.`, 409);
  }
  if (!command.system.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404, 'aiSystemId');
  }
  const receivedAt = instantOf(command.receivedAt ?? command.now, 'receivedAt');
  notAhead(receivedAt, command.now, 'receivedAt');
  const affectedVersions = [...new Set(command.affectedVersions.map((v) => v.trim()).filter(Boolean))];
  if (affectedVersions.length === 0) {
    throw new DomainError('affected-versions-required', 'Name at least one affected version.', 400, 'affectedVersions');
  }
  const unknownVersionsReason = command.unknownVersionsReason?.trim() || null;
  // A notice about a version the hospital never ran is either a typo or worth saying why.
  const unknown = affectedVersions.filter((v) => !command.system.knownVersions.includes(v));
  if (unknown.length > 0 && !unknownVersionsReason) {
    throw new DomainError(
      'version-not-known',
      `The register knows no version ${unknown.join(', ')} of this AI system (known: ${command.system.knownVersions.join(', ')}); correct it or give unknownVersionsReason.`,
      422,
      'affectedVersions',
    );
  }
  let requestedAction: RequestedAction | null = null;
  if (command.requestedAction) {
    const dueBy = command.requestedAction.dueBy === null ? null : deadlineOf(command.requestedAction.dueBy, 'requestedAction.dueBy');
    if (dueBy !== null) notBefore(dueBy, receivedAt, 'requestedAction.dueBy');
    requestedAction = { description: required(command.requestedAction.description, 'requestedAction.description'), dueBy };
  }
  const actBy = command.actBy === null ? null : deadlineOf(command.actBy, 'actBy');
  if (actBy !== null) notBefore(actBy, receivedAt, 'actBy');
  // Fields are listed one by one so nothing unexpected on the command lands in the ledger.
  return [
    {
      type: 'ai-systems.SupplierNoticeReceived',
      data: {
        supplierNoticeId: command.supplierNoticeId,
        aiSystemId: command.aiSystemId,
        kind: command.kind,
        supplierReference: required(command.supplierReference, 'supplierReference'),
        title: required(command.title, 'title'),
        receivedAt,
        affectedVersions,
        unknownVersionsReason,
        requestedAction,
        actBy,
        documentReference: command.documentReference?.trim() || null,
        receivedBy: { subject: command.by.subject, role: command.by.role },
      },
    },
  ];
}

function recordAction(command: RecordSupplierNoticeAction, state: ReceivedSupplierNotice): SupplierNoticeEvent[] {
  const description = required(command.description, 'description');
  const doneAt = instantOf(command.doneAt ?? command.now, 'doneAt');
  notAhead(doneAt, command.now, 'doneAt');
  notBefore(doneAt, state.receivedAt, 'doneAt');
  return [
    {
      type: 'ai-systems.SupplierNoticeActionRecorded',
      data: {
        supplierNoticeId: state.supplierNoticeId,
        aiSystemId: state.aiSystemId,
        description,
        doneAt,
        completesRequestedAction: command.completesRequestedAction,
        doneBy: { subject: command.by.subject, role: command.by.role },
      },
    },
  ];
}

function close(command: CloseSupplierNotice, state: ReceivedSupplierNotice): SupplierNoticeEvent[] {
  return [
    {
      type: 'ai-systems.SupplierNoticeClosed',
      data: {
        supplierNoticeId: state.supplierNoticeId,
        aiSystemId: state.aiSystemId,
        conclusion: required(command.conclusion, 'conclusion'),
        closedAt: command.now,
        closedBy: { subject: command.by.subject, role: command.by.role },
      },
    },
  ];
}

function required(text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new DomainError(`${kebab(field.split('.').pop()!)}-required`, `${field} is required.`, 400, field);
  return trimmed;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A point in time as UTC ISO 8601; a date alone is the start of that day in the hospital's zone. */
function instantOf(value: string, field: string): string {
  return DATE_ONLY.test(value) ? zoned(value, field).startOf('day').toUTC().toISO()! : utc(value, field);
}

/** A deadline as UTC ISO 8601; a date alone runs to the end of that day in the hospital's zone. */
function deadlineOf(value: string, field: string): string {
  return DATE_ONLY.test(value) ? zoned(value, field).endOf('day').toUTC().toISO()! : utc(value, field);
}

function zoned(value: string, field: string): DateTime {
  const d = DateTime.fromISO(value, { zone: HOSPITAL_ZONE });
  if (!d.isValid) throw invalidDate(field);
  return d;
}

function utc(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidDate(field);
  return new Date(ms).toISOString();
}

const invalidDate = (field: string) => new DomainError('invalid-date', `${field} is not a date or date-time (ISO 8601).`, 400, field);

function notAhead(at: string, now: string, field: string): void {
  if (Date.parse(at) - Date.parse(now) > MAX_CLOCK_SKEW_MS) {
    throw new DomainError('in-the-future', `${field} ${at} is later than now (${now}).`, 422, field);
  }
}

function notBefore(at: string, receivedAt: string, field: string): void {
  if (Date.parse(at) < Date.parse(receivedAt)) {
    throw new DomainError('before-receipt', `${field} ${at} is before the notice was received (${receivedAt}).`, 422, field);
  }
}

function evolve(state: SupplierNoticeState, event: SupplierNoticeEvent): SupplierNoticeState {
  if (event.type === 'ai-systems.SupplierNoticeReceived') {
    const d = event.data;
    return {
      exists: true,
      supplierNoticeId: d.supplierNoticeId,
      aiSystemId: d.aiSystemId,
      kind: d.kind,
      supplierReference: d.supplierReference,
      title: d.title,
      receivedAt: d.receivedAt,
      affectedVersions: d.affectedVersions,
      unknownVersionsReason: d.unknownVersionsReason,
      requestedAction: d.requestedAction,
      actBy: d.actBy,
      documentReference: d.documentReference,
      receivedBy: d.receivedBy,
      status: 'open',
      actions: [],
      completedAt: null,
      closure: null,
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'ai-systems.SupplierNoticeActionRecorded': {
      const { description, doneAt, completesRequestedAction, doneBy } = event.data;
      return {
        ...state,
        actions: [...state.actions, { description, doneAt, completesRequestedAction, doneBy }],
        completedAt: state.completedAt ?? (completesRequestedAction ? doneAt : null),
      };
    }
    case 'ai-systems.SupplierNoticeClosed': {
      const { conclusion, closedAt, closedBy } = event.data;
      return { ...state, status: 'closed', closure: { conclusion, closedAt, closedBy } };
    }
    default:
      // Event types added later are ignored by older code rather than breaking the fold.
      return state;
  }
}

/** The notice's deadlines, the supplier's first; each met once the notice is done with. */
export function noticeDeadlines(state: SupplierNoticeState): NoticeDeadline[] {
  if (!state.exists) return [];
  const metAt = state.completedAt ?? state.closure?.closedAt ?? null;
  const out: NoticeDeadline[] = [];
  if (state.requestedAction?.dueBy) out.push({ kind: 'requested-action', dueAt: state.requestedAction.dueBy, metAt });
  if (state.actBy) out.push({ kind: 'act-by', dueAt: state.actBy, metAt });
  return out;
}

/** The earliest deadline not yet met, or null when none runs. */
export function earliestOpenDeadline(state: SupplierNoticeState): string | null {
  const open = noticeDeadlines(state)
    .filter((d) => d.metAt === null)
    .map((d) => d.dueAt)
    .sort();
  return open[0] ?? null;
}

/** Overdue at `now` (the business clock, passed in): a deadline passed and not met. */
export function isNoticeOverdue(state: SupplierNoticeState, now: string): boolean {
  const due = earliestOpenDeadline(state);
  return due !== null && due < now;
}

export const supplierNoticeDecider: Decider<SupplierNoticeState, SupplierNoticeCommand, SupplierNoticeEvent> = {
  initialState: () => ({ exists: false }),
  decide,
  evolve,
};
