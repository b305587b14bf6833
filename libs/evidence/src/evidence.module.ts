import { Module } from '@nestjs/common';
import { LedgerController, LedgerKeysController } from './http/ledger.controller';
import { ReconstructionController } from './http/reconstruction.controller';
import { LedgerService } from './ledger/ledger.service';
import { LedgerAnchorService } from './anchor/ledger-anchors.service';
import { AccessLogHeads } from './bundle/access-log-heads';

/** Shared kernel for evidence: the ledger, as-of reconstruction and the bundle format. */
@Module({
  controllers: [LedgerController, LedgerKeysController, ReconstructionController],
  providers: [LedgerService, LedgerAnchorService, AccessLogHeads],
  exports: [LedgerService, LedgerAnchorService, AccessLogHeads],
})
export class EvidenceModule {}
