import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SqlDatabase, STORAGE_CONFIG, type StorageConfig } from '@app/event-store';
import { loadKeyMaterial, type KeyMaterial } from '../key-material';
import { Pseudonymizer } from '../pseudonymizer';
import { SubjectKeyStore } from '../subject-keys';
import { AuthGuard } from './auth.guard';
import { LocalTokenVerifier, TOKEN_VERIFIER } from './token-verifier';

export const KEY_MATERIAL = Symbol('KEY_MATERIAL');

/** Keys, pseudonyms, per-subject encryption and the bearer-token guard for every route. */
@Global()
@Module({
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
      useFactory: (k: KeyMaterial) => new LocalTokenVerifier(k.tokenSigning.publicKey),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [KEY_MATERIAL, Pseudonymizer, SubjectKeyStore, TOKEN_VERIFIER],
})
export class IdentityModule {}
