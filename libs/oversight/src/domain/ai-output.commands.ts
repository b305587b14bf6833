import type { AiSystemSnapshot } from './review.commands';
import type { AiOutputProducedData } from './ai-output.events';

/**
 * One output of a feed batch, as the handler has it: the event's data plus what the decider
 * checks it against. `boundAiSystemId` is the AI system the poster's token is bound to.
 */
export interface RecordAiOutput extends AiOutputProducedData {
  type: 'RecordAiOutput';
  boundAiSystemId: string | null;
  system: AiSystemSnapshot;
  now: string;
}

export type AiOutputCommand = RecordAiOutput;
