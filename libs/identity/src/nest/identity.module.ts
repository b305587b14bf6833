import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry, SqlDatabase, STORAGE_CONFIG, type StorageConfig } from '@app/event-store';
import { AccessLog } from '../access-log/access-log';
import { AccessLogEvidence } from '../access-log/access-log-evidence';
import { AccessLogInterceptor } from '../access-log/access-logged';
import { EraseDataSubjectHandler } from '../application/erasure.handler';
import { ErasureBlockers } from '../application/erasure-blockers';
import { UnfinishedErasures } from '../application/unfinished-erasures';
import { ErasureRow, ErasuresProjection } from '../projections/erasures.projection';
import { AccessLogController } from '../http/access-log.controller';
import { DataSubjectsController } from '../http/data-subjects.controller';
import { loadKeyMaterial, type KeyMaterial } from '../key-material';
import { oidcConfigFromEnv } from '../oidc-token-verifier';
import { Pseudonymizer } from '../pseudonymizer';
import { SubjectKeyStore } from '../subject-keys';
import { AuthGuard } from './auth.guard';
import { FailedAuthenticationLimiter, limitFromEnv, WriteRateLimiter } from './rate-limits';
import { TOKEN_VERIFIER, tokenVerifierFor } from './token-verifier';

export const KEY_MATERIAL = Symbol('KEY_MATERIAL');

/**
 * Keys, pseudonyms, per-subject encryption, the bearer-token guard for every route, the NEN 7513
 * access log and erasure (crypto-shredding). Global: contexts inject Pseudonymizer,
 * SubjectKeyStore, AccessLog and ErasureBlockers without importing it.
 */
@Global()
@Module({
  imports: [
    CqrsModule,
    DiscoveryModule,
    TypeOrmModule.forFeature([ErasureRow]),
    // Only routes with @UseGuards(ProblemThrottlerGuard) are limited by it (erasure); reads stay unthrottled.
    // Read at start-up, not at import, like the other limits.
    ThrottlerModule.forRootAsync({ useFactory: () => [{ name: 'erasure', ttl: 60_000, limit: limitFromEnv('ERASURE_REQUESTS_PER_MINUTE', 10) }] }),
  ],
  controllers: [DataSubjectsController, AccessLogController],
  providers: [
    { provide: KEY_MATERIAL, inject: [STORAGE_CONFIG], useFactory: (c: StorageConfig) => loadKeyMaterial(c) },
    { provide: Pseudonymizer, inject: [KEY_MATERIAL], useFactory: (k: KeyMaterial) => new Pseudonymizer(k.pseudonymKey) },
    {
      provide: SubjectKeyStore,
      inject: [SqlDatabase, KEY_MATERIAL],
      useFactory: (db: SqlDatabase, k: KeyMaterial) => new SubjectKeyStore(db, k.masterKey),
    },
    {
      provide: TOKEN_VERIFIER,
      inject: [KEY_MATERIAL],
      useFactory: (k: KeyMaterial) => tokenVerifierFor(k.tokenSigning.publicKey, oidcConfigFromEnv()),
    },
    FailedAuthenticationLimiter,
    WriteRateLimiter,
    AccessLog,
    AccessLogEvidence,
    ErasureBlockers,
    EraseDataSubjectHandler,
    ErasuresProjection,
    UnfinishedErasures,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
  ],
  exports: [KEY_MATERIAL, Pseudonymizer, SubjectKeyStore, TOKEN_VERIFIER, AccessLog, AccessLogEvidence, ErasureBlockers],
})
export class IdentityModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly erasures: ErasuresProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.erasures);
  }
}
