import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ExecuteComplianceFileCommandHandler } from './application/compliance-file.handler';
import { GetComplianceFileHandler, GetReviewGateHandler } from './application/compliance-file.queries';
import { ComplianceController } from './http/compliance.controller';

/**
 * The compliance file per AI system (issue 23): role and classification, Art. 25 assessments and
 * the competence of overseers, on its own stream; no read model yet (each file is read from its stream).
 */
@Module({
  imports: [CqrsModule],
  controllers: [ComplianceController],
  providers: [ExecuteComplianceFileCommandHandler, GetComplianceFileHandler, GetReviewGateHandler],
})
export class ComplianceModule {}
