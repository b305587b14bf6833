/**
 * Free text that may hold personal data (a rationale, a note), encrypted at the edge with AES-256-GCM
 * under the data subject's key `kid` (docs/design.md §6). The domain only ever sees this opaque
 * value: shredding the key erases the text while the ledger, which hashes the ciphertext, stays verifiable.
 */
export type EncryptedText = {
  enc: 'aes-256-gcm';
  /** Id of the data subject's key. */
  kid: string;
  /** Base64 nonce. */
  iv: string;
  /** Base64 ciphertext including the GCM tag. */
  ct: string;
  /** Salted commitment to the plaintext, inside the leaf (ADR 0036); absent on text written before it. */
  commitment?: string;
};
