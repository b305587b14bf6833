/**
 * The offline bundle verifier on its own (`registry verify-bundle`): everything it reaches imports
 * only Node built-ins and the zip, ASN.1/CMS, date and JOSE packages, no Nest, TypeORM or database
 * driver (test/architecture.spec.ts keeps it so). Loading the whole lib cost the CLI about 80 MB
 * of its peak memory before a byte of the bundle was read (ADR 0049).
 */
export {
  verifyBundle,
  parseProofLine,
  RESTS_ON_HOSPITAL,
  type BundleProblem,
  type BundleVerification,
  type VerifyBundleOptions,
} from './bundle/bundle-verifier';
export { trustedKeyFrom, trustedKeySetFrom } from './bundle/trusted-keys';
export { certificatesFromPem } from './anchor/rfc3161';
export type { AnchorsVerdict } from './bundle/anchors';
export { parseVkey, SIG_COSIGNATURE_V1, type Vkey } from './anchor/signed-note';
