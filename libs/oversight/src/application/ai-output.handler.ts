import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import {
  type Actor,
  CLOCK,
  type Clock,
  ConcurrencyError,
  DomainError,
  type EncryptedText,
  EVENT_STORE,
  type EventStore,
  fold,
  type NewEvent,
} from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type FieldProblem, ProblemException } from '@app/platform';
import {
  type AiOutputEvent,
  type AiOutputProducedData,
  aiOutputDecider,
  aiOutputStream,
  type AiOutputState,
  type AiSystemSnapshot,
  type RecordAiOutput,
} from '../domain';
import { outputIdOf } from './output-id';

/** One output as the edge has it: the patient already pseudonymised, the summary still in clear. */
export type AiOutputInput = Omit<AiOutputProducedData, 'outputId' | 'summary' | 'postedBy'> & { summary: string | null };

export interface AiOutputsResult {
  recorded: number;
  duplicates: number;
  outputs: { outputId: string; status: 'recorded' | 'duplicate' }[];
}

export class RecordAiOutputsCommand extends Command<AiOutputsResult> {
  constructor(
    readonly outputs: AiOutputInput[],
    readonly actor: Actor,
    /** The AI system the poster's token is bound to. */
    readonly boundAiSystemId: string | null,
  ) {
    super();
  }
}

type Planned = { index: number; outputId: string; command: RecordAiOutput };

/**
 * A feed batch: every output decided before any is written, so one bad output refuses the batch
 * and writes nothing (400/403/404/409/422 naming `outputs.<i>.<field>`). Then one append per
 * output stream, all at once: the store groups concurrent appends into one transaction per
 * flush, which is what makes a 1,000-output batch fast (ADR 0040).
 */
@CommandHandler(RecordAiOutputsCommand)
export class RecordAiOutputsHandler implements ICommandHandler<RecordAiOutputsCommand, AiOutputsResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly queries: QueryBus,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ outputs, actor, boundAiSystemId }: RecordAiOutputsCommand): Promise<AiOutputsResult> {
    const now = this.clock.now().toISOString();
    const systems = await this.systems(outputs);
    const ids = outputs.map((o) => outputIdOf(o.aiSystemId, o.outputReference));
    const histories = await this.store.readStreams(ids.map((id) => aiOutputStream.streamOf(id)));
    const problems: (FieldProblem & { status: number; code: string })[] = [];
    const planned: Planned[] = [];
    const status: AiOutputsResult['outputs'] = [];
    const inBatch = new Map<string, string>();
    outputs.forEach((input, index) => {
      const outputId = ids[index];
      status.push({ outputId, status: 'duplicate' });
      const { summary: _clear, ...rest } = input;
      const command: RecordAiOutput = {
        ...rest,
        type: 'RecordAiOutput',
        outputId,
        summary: null,
        postedBy: actor,
        boundAiSystemId,
        system: systems.get(input.aiSystemId)!,
        now,
      };
      const earlier = inBatch.get(outputId);
      // The batch is decided as if its earlier outputs were already written.
      const state: AiOutputState =
        earlier === undefined ? fold(aiOutputDecider, histories[index] as unknown as AiOutputEvent[]) : { exists: true, ...command, outputSha256: earlier };
      try {
        if (aiOutputDecider.decide(command, state).length === 0) return;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        problems.push({ field: `outputs.${index}.${e.field ?? 'aiSystemId'}`, message: e.message, status: e.status, code: e.code });
        return;
      }
      inBatch.set(outputId, input.outputSha256);
      status[index].status = 'recorded';
      planned.push({ index, outputId, command });
    });
    if (problems.length) {
      const [first] = problems;
      throw new ProblemException(
        first.status,
        first.code,
        'The batch was refused; nothing was written',
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        problems.map(({ field, message }) => ({ field, message })),
      );
    }
    // The patients' keys first, created together: one commit per new patient would dominate the batch.
    await this.keys.prepare(planned.filter((p) => outputs[p.index].summary?.trim()).map((p) => p.command.patientPseudonym));
    // Every summary encrypted first, then every append made in one loop: the store commits them
    // as one group (ADR 0048).
    const summaries = await Promise.all(planned.map((p) => this.encrypted(p, outputs[p.index].summary)));
    await Promise.all(planned.map((p, i) => this.append(p, summaries[i], status)));
    const recorded = status.filter((s) => s.status === 'recorded').length;
    return { recorded, duplicates: status.length - recorded, outputs: status };
  }

  private encrypted(p: Planned, summary: string | null): Promise<EncryptedText | null> {
    return summary?.trim() ? this.keys.encrypt(p.command.patientPseudonym, summary) : Promise.resolve(null);
  }

  private async append(p: Planned, summary: EncryptedText | null, status: AiOutputsResult['outputs']): Promise<void> {
    const command = { ...p.command, summary };
    const events = aiOutputDecider.decide(command, { exists: false });
    const streamId = aiOutputStream.streamOf(p.outputId);
    try {
      await this.store.append(streamId, events as unknown as NewEvent[], {
        expectedRevision: 'no_stream',
        metadata: { actor: command.postedBy },
      });
    } catch (err) {
      // Another request recorded the same output meanwhile: the same digest is a duplicate, not an error.
      if (!(err instanceof ConcurrencyError)) throw err;
      const state = fold(aiOutputDecider, (await this.store.readStream(streamId)) as unknown as AiOutputEvent[]);
      aiOutputDecider.decide(command, state);
      status[p.index].status = 'duplicate';
    }
  }

  /** Each AI system named in the batch, loaded once from its own stream. */
  private async systems(outputs: AiOutputInput[]): Promise<Map<string, AiSystemSnapshot>> {
    const ids = [...new Set(outputs.map((o) => o.aiSystemId))];
    const loaded = await Promise.all(ids.map((id) => this.queries.execute(new GetAiSystemQuery(id))));
    return new Map(
      ids.map((id, i) => {
        const { state } = loaded[i];
        return [id, { exists: state.exists, status: state.status, knownVersions: state.knownVersions, name: state.name }];
      }),
    );
  }
}
