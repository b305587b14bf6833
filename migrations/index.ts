import { EventLog1764000000000 } from './1764000000000-event-log';
import { Ledger1764100000000 } from './1764100000000-ledger';
import { AccessLog1764710000000 } from './1764710000000-access-log';
import { PgAppendFunction1764800000000 } from './1764800000000-pg-append-function';
import { PgAppendGroupFunction1764900000000 } from './1764900000000-pg-append-group-function';

/** Every migration, oldest first; both SQL dialects run the same list. */
export const MIGRATIONS = [EventLog1764000000000, Ledger1764100000000, AccessLog1764710000000, PgAppendFunction1764800000000, PgAppendGroupFunction1764900000000];
