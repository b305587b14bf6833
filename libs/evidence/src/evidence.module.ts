import { Module } from '@nestjs/common';
import { LedgerController, LedgerKeysController } from './http/ledger.controller';
import { LedgerService } from './ledger/ledger.service';

/** Shared kernel for evidence: the ledger (and, later, bundles and reconstruction). */
@Module({
  controllers: [LedgerController, LedgerKeysController],
  providers: [LedgerService],
  exports: [LedgerService],
})
export class EvidenceModule {}
