import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { type ComplianceDocument, type DocumentStatus, documentsOn } from '../domain';
import { readComplianceFile } from './compliance-file.queries';

export type DocumentListItem = ComplianceDocument & { status: DocumentStatus; lastValidDay: string | null };

/**
 * The documents of one system as the registry knew them at `asOf` (system time), each with where it
 * stood on `day` (business time, Europe/Amsterdam); `onlyValid`: just those in force that day.
 * Null when the system was not registered by then.
 */
export class ListComplianceDocumentsQuery extends Query<{ day: string; asOf: string; items: DocumentListItem[]; revision: number | null } | null> {
  constructor(
    readonly aiSystemId: string,
    readonly asOf: string,
    readonly day: string,
    readonly onlyValid: boolean,
  ) {
    super();
  }
}

@QueryHandler(ListComplianceDocumentsQuery)
export class ListComplianceDocumentsHandler implements IQueryHandler<ListComplianceDocumentsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ aiSystemId, asOf, day, onlyValid }: ListComplianceDocumentsQuery) {
    const { system, file, revision } = await readComplianceFile(this.store, aiSystemId, asOf);
    if (!system.exists) return null;
    const items = documentsOn(file.documents, day).filter((d) => !onlyValid || d.status === 'valid');
    return { day, asOf, items, revision };
  }
}
