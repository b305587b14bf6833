import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Write, Writing } from '../nest/write-route';
import { EraseDataSubjectCommand } from '../application/erasure.handler';
import { pseudonymOfPatientId, Roles } from '../nest/auth.decorators';
import { ProblemThrottlerGuard } from '../nest/rate-limits';
import { Pseudonymizer } from '../pseudonymizer';
import { ErasureRequestDto } from './identity.dto';

/** Data subjects' rights (GDPR). The raw patient id arrives in the body only. */
@ApiTags('Data subjects (GDPR)')
@ApiBearerAuth()
@Controller('data-subjects')
export class DataSubjectsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pseudonyms: Pseudonymizer,
  ) {}

  @Post('erasure')
  @HttpCode(200)
  @Roles('legal')
  @UseGuards(ProblemThrottlerGuard)
  @ApiOperation({
    summary: 'Erase a data subject (GDPR Art. 17) by destroying their data key, unless a legal hold or claim requires keeping it',
    description: 'outcome `erased` (DataSubjectKeyShredded) or `restricted` (ErasureRestricted, with the grounds, Art. 17(3)(b)/(e))',
  })
  erase(@Body() dto: ErasureRequestDto, @Writing() w: Write) {
    const pseudonym = pseudonymOfPatientId(this.pseudonyms, dto.patientId);
    return this.commands.execute(new EraseDataSubjectCommand(pseudonym, w.actor, w.options));
  }
}
