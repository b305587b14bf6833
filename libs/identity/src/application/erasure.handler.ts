import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type Actor,
  asDomainEvents,
  CLOCK,
  type Clock,
  EVENT_STORE,
  type EventStore,
  loadState,
  ProjectionRegistry,
  ReadModelsBehindError,
  runDecider,
} from '@app/event-store';
import { failpoint, ProblemException } from '@app/platform';
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
    readonly options: {
      idempotencyKey?: string;
      requestHash?: string;
      /** Test seam: runs after the first check of the grounds, before the decision is appended. */
      afterChecked?: () => Promise<void>;
      /** Test seam: runs after the check that follows the decision, before the key is shredded. */
      beforeShred?: () => Promise<void>;
    } = {},
  ) {
    super();
  }
}

/**
 * GDPR Art. 17 by crypto-shredding: if no context has a legal ground to keep the subject's data,
 * destroy their data key (all their free text becomes unreadable everywhere, while every hash and
 * proof still verifies) and record `DataSubjectKeyShredded`; otherwise record `ErasureRestricted`.
 *
 * A ground (e.g. a legal hold) that commits while the erasure runs wins (docs/adr/0020): the
 * erasure first appends `ErasureDecided`, brings the read models the blockers read up to its
 * position and checks the grounds again; only then is the key shredded. A ground committed before
 * the decision is seen; one committed after it is provably later in the log.
 *
 * All or nothing (docs/adr/0034): nothing is written unless every read model is at the head of
 * the log first (503 otherwise). A crash or error after the decision leaves it pending, finished by
 * a retry or at the next start (UnfinishedErasures): check again, then shred or restrict; a crash
 * after the shred leaves a shredded key whose event the retry records.
 */
// Not written with commandHandler: an erasure is a process of up to three appends with its own
// idempotency rule (the decision carries no key, the outcome does), each through runDecider.
@CommandHandler(EraseDataSubjectCommand)
export class EraseDataSubjectHandler implements ICommandHandler<EraseDataSubjectCommand, ErasureOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: SubjectKeyStore,
    private readonly blockers: ErasureBlockers,
    private readonly projections: ProjectionRegistry,
  ) {}

  async execute({ pseudonym, by, options }: EraseDataSubjectCommand): Promise<ErasureOutcome> {
    const streamId = dataSubjectStreamId(pseudonym);
    const idempotencyKey = options.idempotencyKey ? `${by.subject}:${options.idempotencyKey}` : undefined;
    // A retry is answered before anything is shredded: the key must not go on a replayed restriction.
    const replay = idempotencyKey ? await this.store.readIdempotent(idempotencyKey, options.requestHash) : undefined;
    if (replay) return outcomeOf(asDomainEvents<ErasureEvent>(replay.events)[replay.events.length - 1], replay.lastPosition);
    const checkedContexts = this.blockers.contexts;
    const { state, events } = await loadState(this.store, erasureDecider, streamId);
    if (state.erased) {
      // The recorded outcome, as the request that recorded it answered (also after a restart finished it).
      const shredded = asDomainEvents<ErasureEvent>(events)
        .reverse()
        .find((e) => e.type === 'identity.DataSubjectKeyShredded')!;
      return outcomeOf(shredded, shredded.globalPosition);
    }
    const run = { idempotencyKey, requestHash: options.requestHash, metadata: { actor: by } };
    const at = this.clock.now().toISOString();
    const restrict = async (grounds: ErasureGround[]): Promise<ErasureOutcome> => {
      const { result } = await runDecider(this.store, erasureDecider, streamId, { type: 'RestrictErasure', pseudonym, grounds, checkedContexts, at, by }, run);
      return { outcome: 'restricted', pseudonym, grounds, checkedContexts, position: result.lastPosition };
    };
    if (!(await this.keys.isShredded(pseudonym))) {
      let decidedAt: number;
      if (state.pending) {
        // A crashed or failed run decided already: its decision point stands, the check after it is repeated.
        decidedAt = [...events].reverse().find((e) => e.type === 'identity.ErasureDecided')!.globalPosition;
      } else {
        // All or nothing (issue 20): nothing is written while a read model is behind or stalled,
        // or the decision below could not be finished (a refused request that wrote something).
        await this.readModelsThrough(await this.store.headPosition(), false);
        const grounds = await this.blockers.groundsFor(pseudonym);
        if (grounds.length > 0) return restrict(grounds);
        await options.afterChecked?.();
        const { result } = await runDecider(
          this.store,
          erasureDecider,
          streamId,
          { type: 'DecideErasure', pseudonym, checkedContexts, at, by },
          { metadata: { actor: by } },
        );
        decidedAt = result.lastPosition;
      }
      await failpoint('erasure-decided');
      await this.readModelsThrough(decidedAt, true);
      const late = await this.blockers.groundsFor(pseudonym);
      if (late.length > 0) return restrict(late);
      await options.beforeShred?.();
      await this.keys.shred(pseudonym);
      await failpoint('erasure-shredded');
    }
    const kid = (await this.keys.kidOf(pseudonym)) ?? null;
    const { result } = await runDecider(this.store, erasureDecider, streamId, { type: 'RecordKeyShredded', pseudonym, kid, checkedContexts, at, by }, run);
    return { outcome: 'erased', pseudonym, kid, erasedAt: at, checkedContexts, position: result.lastPosition };
  }

  /**
   * The blockers read read models: every one must have processed the decision, or a ground
   * committed just before it could be missed. Behind (being rebuilt, or stalled on an event it
   * cannot apply): refuse, do not guess. The projection's own error stays in the server log.
   */
  private async readModelsThrough(position: number, decided: boolean): Promise<void> {
    try {
      await this.projections.runner.requireThrough(position);
    } catch (err) {
      if (!(err instanceof ReadModelsBehindError)) throw err;
      const then = decided ? 'the erasure is decided and is finished by a retry or at the next start' : 'nothing was written';
      throw new ProblemException(
        503,
        'read-models-behind',
        'Service unavailable',
        `Read models ${err.projections.join(', ')} are behind the event log; ${then}. Retry shortly`,
      );
    }
  }
}

function outcomeOf(event: ErasureEvent, position: number): ErasureOutcome {
  const { pseudonym, checkedContexts } = event.data;
  // Only outcomes carry the idempotency key (the decision is appended without it).
  if (event.type === 'identity.ErasureRestricted') return { outcome: 'restricted', pseudonym, grounds: event.data.grounds, checkedContexts, position };
  if (event.type === 'identity.DataSubjectKeyShredded')
    return { outcome: 'erased', pseudonym, kid: event.data.kid, erasedAt: event.data.at, checkedContexts, position };
  throw new Error(`An erasure replay ends with its outcome, not ${event.type}`);
}
