import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { ExecuteAiSystemCommandHandler } from './application/ai-system.handler';
import { CountAiSystemsHandler, GetAiSystemHandler, ListAiSystemsHandler } from './application/ai-system.queries';
import { ExecuteSupplierNoticeCommandHandler } from './application/supplier-notice.handler';
import { GetSupplierNoticeHandler, ListSupplierNoticesHandler, OverdueSupplierNotices } from './application/supplier-notice.queries';
import { AiSystemsController } from './http/ai-systems.controller';
import { SupplierNoticesController } from './http/supplier-notices.controller';
import { AiSystemRow } from './projections/ai-system.entity';
import { AiSystemsProjection } from './projections/ai-systems.projection';
import { SupplierNoticeRow } from './projections/supplier-notice.entity';
import { SupplierNoticesProjection } from './projections/supplier-notices.projection';

/** Inventory of the AI systems the hospital deploys (AI Act Art. 26, MDR), and the notices their suppliers send. */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([AiSystemRow, SupplierNoticeRow])],
  controllers: [AiSystemsController, SupplierNoticesController],
  providers: [
    ExecuteAiSystemCommandHandler,
    GetAiSystemHandler,
    ListAiSystemsHandler,
    CountAiSystemsHandler,
    AiSystemsProjection,
    ExecuteSupplierNoticeCommandHandler,
    GetSupplierNoticeHandler,
    ListSupplierNoticesHandler,
    OverdueSupplierNotices,
    SupplierNoticesProjection,
  ],
  exports: [OverdueSupplierNotices],
})
export class AiSystemsModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: AiSystemsProjection,
    private readonly notices: SupplierNoticesProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
    this.projections.register(this.notices);
  }
}
