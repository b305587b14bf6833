import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pseudonymizer, Roles, type Write, Writing } from '@app/identity';
import { type FieldProblem, ProblemException } from '@app/platform';
import { type AiOutputInput, RecordAiOutputsCommand } from '../application/ai-output.handler';
import { PostAiOutputsDto } from './ai-output.dto';

@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('ai-outputs')
export class AiOutputsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pseudonyms: Pseudonymizer,
  ) {}

  /** 200, not 201: a replayed batch creates nothing, and the answer says per output what happened. */
  @Post()
  @HttpCode(200)
  @Roles('ai-system')
  @ApiOperation({ summary: 'Record up to 1,000 AI outputs as they are produced (idempotent on system and output reference)' })
  async post(@Body() dto: PostAiOutputsDto, @Writing() w: Write) {
    const bad: FieldProblem[] = [];
    const outputs = dto.outputs.map((o, i): AiOutputInput => {
      let patientPseudonym = '';
      try {
        patientPseudonym = this.pseudonyms.pseudonymise(o.patientId);
      } catch {
        bad.push({ field: `outputs.${i}.patientId`, message: 'not a valid patient id' });
      }
      return {
        aiSystemId: o.aiSystemId.toLowerCase(),
        modelVersion: o.modelVersion,
        outputReference: o.outputReference,
        outputSha256: o.outputSha256,
        patientPseudonym,
        producedAt: new Date(o.producedAt).toISOString(),
        urgency: o.urgency ?? 'routine',
        summary: o.summary ?? null,
        ward: o.ward ?? null,
        aiFinding: o.aiFinding ?? null,
      };
    });
    if (bad.length) throw new ProblemException(400, 'invalid-patient-id', 'The request is not valid', bad.map((b) => b.field).join(', '), bad);
    return this.commands.execute(new RecordAiOutputsCommand(outputs, w.actor, w.who.aiSystemId ?? null));
  }
}
