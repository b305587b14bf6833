import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Actor, EVENT_STORE, type EventStore, loadState, runDecider } from '@app/event-store';
import { SubjectKeyStore } from '../subject-keys';
import { dataSubjectStreamId, erasureDecider, type ErasureEvent, type ErasureGround } from '../domain/erasure';
import { ErasureBlockers } from './erasure-blockers';

export type ErasureOutcome =
  | { outcome: 'erased'; pseudonym: string; kid: string | null; erasedAt: string; checkedContexts: string[]; position: number | null }
  | { outcome: 'restricted'; pseudonym: string; grounds: ErasureGround[]; checkedContexts: string[]; position: number };

export class EraseDataSubjectCommand extends Command<ErasureOutcome> {
  constructor(
    readonly pseudonym: string,
    readonly by: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string } = {},
  ) {
    super();
  }
}

/**
 * GDPR Art. 17 by crypto-shredding: if no context has a legal ground to keep the subject's data,
 * destroy their data key (all their free text becomes unreadable everywhere, while every hash and
 * proof still verifies) and record `DataSubjectKeyShredded`; otherwise record `ErasureRestricted`.
 * The key is shredded before the event is appended: a crash in between leaves a shredded key whose
 * event the retry records (it does not consult the blockers again: the text is gone already).
 */
@CommandHandler(EraseDataSubjectCommand)
export class EraseDataSubjectHandler implements ICommandHandler<EraseDataSubjectCommand, ErasureOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
    private readonly blockers: ErasureBlockers,
  ) {}

  async execute({ pseudonym, by, options }: EraseDataSubjectCommand): Promise<ErasureOutcome> {
    const streamId = dataSubjectStreamId(pseudonym);
    const idempotencyKey = options.idempotencyKey ? `${by.subject}:${options.idempotencyKey}` : undefined;
    // A retry is answered before anything is shredded: the key must not go on a replayed restriction.
    const replay = idempotencyKey ? await this.store.readIdempotent(idempotencyKey, options.requestHash) : undefined;
    if (replay) return outcomeOf(replay.events[replay.events.length - 1] as unknown as ErasureEvent, replay.lastPosition);
    const checkedContexts = this.blockers.contexts;
    const { state } = await loadState(this.store, erasureDecider, streamId);
    if (state.erased) {
      return { outcome: 'erased', pseudonym, kid: state.kid, erasedAt: state.erasedAt!, checkedContexts, position: null };
    }
    const run = { idempotencyKey, requestHash: options.requestHash, metadata: { actor: by } };
    const at = new Date().toISOString();
    if (!(await this.keys.isShredded(pseudonym))) {
      const grounds = await this.blockers.groundsFor(pseudonym);
      if (grounds.length > 0) {
        const { result } = await runDecider(this.store, erasureDecider, streamId, { type: 'RestrictErasure', pseudonym, grounds, checkedContexts, at, by }, run);
        return { outcome: 'restricted', pseudonym, grounds, checkedContexts, position: result.lastPosition };
      }
      await this.keys.shred(pseudonym);
    }
    const kid = (await this.keys.kidOf(pseudonym)) ?? null;
    const { result } = await runDecider(this.store, erasureDecider, streamId, { type: 'RecordKeyShredded', pseudonym, kid, checkedContexts, at, by }, run);
    return { outcome: 'erased', pseudonym, kid, erasedAt: at, checkedContexts, position: result.lastPosition };
  }
}

function outcomeOf(event: ErasureEvent, position: number): ErasureOutcome {
  const { pseudonym, checkedContexts } = event.data;
  return event.type === 'identity.ErasureRestricted'
    ? { outcome: 'restricted', pseudonym, grounds: event.data.grounds, checkedContexts, position }
    : { outcome: 'erased', pseudonym, kid: event.data.kid, erasedAt: event.data.at, checkedContexts, position };
}
