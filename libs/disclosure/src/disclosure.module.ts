import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EvidenceModule } from '@app/evidence';
import { BundleExports } from './application/bundle-exports';
import { ExecuteDisclosureHandler, GetDisclosureHandler } from './application/disclosure.handlers';
import { DisclosureController } from './http/disclosure.controller';

/** Disclosure requests (PLD Art. 9–10) and the evidence bundles that answer them. */
@Module({
  imports: [CqrsModule, EvidenceModule],
  controllers: [DisclosureController],
  providers: [ExecuteDisclosureHandler, GetDisclosureHandler, BundleExports],
  exports: [BundleExports],
})
export class DisclosureModule {}
