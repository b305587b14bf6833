import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { ErasureBlockers, type ErasureGround } from '@app/identity';
import { DisclosureBundleRow, DisclosureRow, DisclosuresProjection } from './projections/disclosure.projection';
import { ListDisclosuresHandler } from './application/disclosure.handlers';
import { EvidenceModule } from '@app/evidence';
import { RetentionModule } from '@app/retention';
import { BundleExports } from './application/bundle-exports';
import { ExecuteDisclosureHandler, GetDisclosureHandler } from './application/disclosure.handlers';
import { DisclosureController } from './http/disclosure.controller';
import { ComplianceFileExports } from './application/compliance-file-exports';
import { ComplianceFileExportController } from './http/compliance-file-export.controller';

/** Disclosure requests (PLD Art. 9–10) and the evidence bundles that answer them. */
@Module({
  // RetentionModule: the blob store, where the compliance file's documents a bundle carries are (VERIFY.md B.16).
  imports: [CqrsModule, EvidenceModule, RetentionModule, TypeOrmModule.forFeature([DisclosureRow, DisclosureBundleRow])],
  // The compliance-file export (issue 23 item 7, ADR 0053) is a bundle, so it lives with the bundle exports.
  controllers: [DisclosureController, ComplianceFileExportController],
  providers: [ExecuteDisclosureHandler, GetDisclosureHandler, ListDisclosuresHandler, BundleExports, DisclosuresProjection, ComplianceFileExports],
  exports: [BundleExports, ComplianceFileExports],
})
export class DisclosureModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: DisclosuresProjection,
    private readonly blockers: ErasureBlockers,
    @InjectRepository(DisclosureRow) private readonly disclosures: Repository<DisclosureRow>,
    @InjectRepository(DisclosureBundleRow) private readonly bundles: Repository<DisclosureBundleRow>,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
    // GDPR Art. 17(3)(e): data named in an open disclosure request, or held readable in a stored
    // bundle (exported for a claim; its SHA-256 is chain-of-custody evidence, ADR 0034), is kept.
    const ground = (name: string, reference: string): ErasureGround => ({ ground: name, article: 'GDPR Art. 17(3)(e)', context: 'disclosure', reference });
    this.blockers.register({
      context: 'disclosure',
      groundsFor: async (p) => [
        ...(await this.disclosures.find({ where: { status: 'open' } }))
          .filter((d) => d.scope.patientPseudonyms.includes(p))
          .map((d) => ground('disclosure-request', `disclosure-${d.requestId}`)),
        ...(await this.bundles.find({ where: { discardedAt: IsNull() } }))
          .filter((b) => b.dataSubjects.includes(p))
          .map((b) => ground('stored-bundle', `disclosure-${b.requestId}/bundle-${b.bundleId}`)),
      ],
    });
  }
}
