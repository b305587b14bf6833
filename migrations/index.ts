import { EventLog1764000000000 } from './1764000000000-event-log';

/** Every migration, oldest first; both SQL dialects run the same list. */
export const MIGRATIONS = [EventLog1764000000000];
