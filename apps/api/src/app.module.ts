import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AiSystemsModule } from '@app/ai-systems';
import { ComplianceModule } from '@app/compliance';
import { DisclosureModule } from '@app/disclosure';
import { EvidenceModule } from '@app/evidence';
import { FhirModule } from '@app/fhir';
import { StorageModule, storageConfigFromEnv, type StorageConfig } from '@app/event-store';
import { IdentityModule } from '@app/identity';
import { IncidentsModule } from '@app/incidents';
import { MonitoringModule } from '@app/monitoring';
import { OversightModule } from '@app/oversight';
import { ProblemDetailsFilter } from '@app/platform';
import { RetentionModule } from '@app/retention';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { EventsController } from './events.controller';
import { loggerOptions } from './logging';

@Module({})
export class AppModule {
  static forRoot(config: StorageConfig = storageConfigFromEnv()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerOptions()),
        StorageModule.forRoot(config),
        IdentityModule,
        TerminusModule,
        CqrsModule,
        AiSystemsModule,
        ComplianceModule,
        OversightModule,
        IncidentsModule,
        MonitoringModule,
        RetentionModule,
        EvidenceModule,
        DisclosureModule,
        FhirModule,
      ],
      controllers: [HealthController, MetricsController, EventsController],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
