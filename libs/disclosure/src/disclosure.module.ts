import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { ErasureBlockers, erasureBlocker } from '@app/identity';
import { DisclosureRow, DisclosuresProjection } from './projections/disclosure.projection';
import { ListDisclosuresHandler } from './application/disclosure.handlers';
import { EvidenceModule } from '@app/evidence';
import { BundleExports } from './application/bundle-exports';
import { ExecuteDisclosureHandler, GetDisclosureHandler } from './application/disclosure.handlers';
import { DisclosureController } from './http/disclosure.controller';

/** Disclosure requests (PLD Art. 9–10) and the evidence bundles that answer them. */
@Module({
  imports: [CqrsModule, EvidenceModule, TypeOrmModule.forFeature([DisclosureRow])],
  controllers: [DisclosureController],
  providers: [ExecuteDisclosureHandler, GetDisclosureHandler, ListDisclosuresHandler, BundleExports, DisclosuresProjection],
  exports: [BundleExports],
})
export class DisclosureModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: DisclosuresProjection,
    private readonly blockers: ErasureBlockers,
    @InjectRepository(DisclosureRow) private readonly disclosures: Repository<DisclosureRow>,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
    // GDPR Art. 17(3)(e): data named in an open disclosure request is evidence in a legal claim.
    this.blockers.register(
      erasureBlocker('disclosure', 'disclosure-request', 'GDPR Art. 17(3)(e)', async (p) =>
        (await this.disclosures.find({ where: { status: 'open' } })).filter((d) => d.scope.patientPseudonyms.includes(p)).map((d) => `disclosure-${d.requestId}`),
      ),
    );
  }
}
