import { EventLog1764000000000 } from './1764000000000-event-log';
import { Ledger1764100000000 } from './1764100000000-ledger';
import { AccessLog1764710000000 } from './1764710000000-access-log';
import { PgAppendFunction1764800000000 } from './1764800000000-pg-append-function';
import { PgAppendGroupFunction1764900000000 } from './1764900000000-pg-append-group-function';
import { PgAppendGroupUnnest1765000000000 } from './1765000000000-pg-append-group-unnest';
import { DropEventTypeIndex1765000000001 } from './1765000000001-drop-event-type-index';
import { AccessLogPurges1765100000000 } from './1765100000000-access-log-purges';
import { ProjectionFailures1765200000000 } from './1765200000000-projection-failures';
import { BundleExportJobs1765310000000 } from './1765310000000-bundle-export-jobs';
import { LedgerAnchors1765400000000 } from './1765400000000-ledger-anchors';

/** Every migration, oldest first; both SQL dialects run the same list. */
export const MIGRATIONS = [
  EventLog1764000000000,
  Ledger1764100000000,
  AccessLog1764710000000,
  PgAppendFunction1764800000000,
  PgAppendGroupFunction1764900000000,
  PgAppendGroupUnnest1765000000000,
  DropEventTypeIndex1765000000001,
  AccessLogPurges1765100000000,
  ProjectionFailures1765200000000,
  BundleExportJobs1765310000000,
  LedgerAnchors1765400000000,
];
