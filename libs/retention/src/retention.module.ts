import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry, STORAGE_CONFIG, type StorageConfig } from '@app/event-store';
import { ErasureBlockers, erasureBlocker } from '@app/identity';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LogIngestService } from './application/log-ingest.service';
import { ExecuteLegalHoldHandler, ExecuteLogArtefactHandler, SetRetentionPolicyHandler } from './application/retention.handlers';
import { BlobKeepers } from './application/blob-keepers';
import { RetentionPurger } from './application/retention-purger';
import {
  DuePurgesHandler,
  GetLegalHoldHandler,
  GetLogArtefactHandler,
  ListLegalHoldsHandler,
  ListLogArtefactsHandler,
  ListRetentionPoliciesHandler,
} from './application/retention.queries';
import { PurgeScheduler } from './application/purge-scheduler';
import { BLOB_STORE } from './blobs/blob-store';
import { blobStoreConfigFromEnv, openBlobStore } from './blobs/blob-store-config';
import { LegalHoldsController } from './http/legal-holds.controller';
import { LogArtefactsController } from './http/log-artefacts.controller';
import { RetentionController } from './http/retention.controller';
import { LegalHoldRow, LogArtefactRow, RetentionPolicyRow } from './projections/retention.entities';
import { RetentionProjection } from './projections/retention.projection';

/** Log retention: artefacts, policies, legal holds and provable purges (AI Act Art. 12, 19, 26(6)). */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([LogArtefactRow, LegalHoldRow, RetentionPolicyRow])],
  controllers: [LogArtefactsController, LegalHoldsController, RetentionController],
  providers: [
    {
      provide: BLOB_STORE,
      inject: [STORAGE_CONFIG],
      useFactory: (c: StorageConfig) => openBlobStore(blobStoreConfigFromEnv(c.dataDir)),
    },
    BlobKeepers,
    LogIngestService,
    RetentionPurger,
    PurgeScheduler,
    ExecuteLegalHoldHandler,
    SetRetentionPolicyHandler,
    ExecuteLogArtefactHandler,
    GetLogArtefactHandler,
    ListLogArtefactsHandler,
    DuePurgesHandler,
    ListLegalHoldsHandler,
    GetLegalHoldHandler,
    ListRetentionPoliciesHandler,
    RetentionProjection,
  ],
  exports: [LogIngestService, RetentionPurger, BLOB_STORE, BlobKeepers],
})
export class RetentionModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: RetentionProjection,
    private readonly blockers: ErasureBlockers,
    @InjectRepository(LegalHoldRow) private readonly holds: Repository<LegalHoldRow>,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
    // GDPR Art. 17(3)(e): an active legal hold naming the patient keeps their data.
    this.blockers.register(
      erasureBlocker('retention', 'legal-hold', 'GDPR Art. 17(3)(e)', async (p) =>
        (await this.holds.find({ where: { status: 'active' } })).filter((h) => h.scope.patientPseudonyms.includes(p)).map((h) => `hold-${h.holdId}`),
      ),
    );
  }
}
