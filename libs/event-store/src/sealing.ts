import type { EncryptedText } from './encrypted-text';

/** Encrypts free text under a data subject's key (the identity context's key store), creating the key if needed. */
export type Encrypt = (subject: string, text: string) => Promise<EncryptedText>;

/**
 * Marks free text to be encrypted under a subject's key: no subject or blank text → null; else a
 * stand-in the decider carries into its events like the real ciphertext. Nothing is encrypted
 * (and no key is created) until the decider has accepted the command.
 */
export type Seal = (subject: string | null | undefined, text: string | null | undefined) => EncryptedText | null;

const PENDING_KID = '(sealed after the decision)';

/**
 * One write's sealing: `seal` hands out stand-ins, `resolve` encrypts each after the decider
 * accepted and puts the ciphertext where the stand-in went. A refused command thus writes nothing,
 * not even a subject's key (the standard: bad input writes nothing).
 */
export function sealing(encrypt: Encrypt) {
  const pending = new Map<EncryptedText, { subject: string; text: string }>();
  const seal: Seal = (subject, text) => {
    if (!subject || typeof text !== 'string' || text.trim() === '') return null;
    const standIn: EncryptedText = { enc: 'aes-256-gcm', kid: PENDING_KID, iv: '', ct: '' };
    pending.set(standIn, { subject, text });
    return standIn;
  };
  const resolve = async <E>(events: E[]): Promise<E[]> => {
    if (pending.size === 0) return events;
    const sealed = new Map<EncryptedText, EncryptedText>();
    for (const [standIn, { subject, text }] of pending) sealed.set(standIn, await encrypt(subject, text));
    const replace = (value: unknown): unknown => {
      if (value === null || typeof value !== 'object') return value;
      const done = sealed.get(value as EncryptedText);
      if (done) return done;
      if (Array.isArray(value)) return value.map(replace);
      if (Object.getPrototypeOf(value) !== Object.prototype) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = replace(v);
      return out;
    };
    const resolved = events.map((e) => replace(e) as E);
    // A decider that copied a stand-in instead of passing it on would write no ciphertext: fail loudly.
    if (JSON.stringify(resolved).includes(PENDING_KID))
      throw new Error('A sealed text reached an event as a copy of its stand-in; the decider must pass it on unchanged.');
    return resolved;
  };
  return { seal, resolve };
}
