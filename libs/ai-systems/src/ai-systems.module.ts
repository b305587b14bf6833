import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { ExecuteAiSystemCommandHandler } from './application/ai-system.handler';
import { GetAiSystemHandler, ListAiSystemsHandler } from './application/ai-system.queries';
import { AiSystemsController } from './http/ai-systems.controller';
import { AiSystemRow } from './projections/ai-system.entity';
import { AiSystemsProjection } from './projections/ai-systems.projection';

/** Inventory of the AI systems the hospital deploys (AI Act Art. 26, MDR). */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([AiSystemRow])],
  controllers: [AiSystemsController],
  providers: [ExecuteAiSystemCommandHandler, GetAiSystemHandler, ListAiSystemsHandler, AiSystemsProjection],
})
export class AiSystemsModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: AiSystemsProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
  }
}
