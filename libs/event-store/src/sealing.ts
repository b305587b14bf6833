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
    // One walk copies the events with an empty object where each stand-in was; the ciphertexts
    // fill them in after it. Only the stand-ins the events carry are encrypted: text the decider
    // left out creates no key. One at a time, so a subject's first key is created once.
    const sealed = new Map<EncryptedText, EncryptedText>();
    const copy = walk(events, (standIn) => {
      let ciphertext = sealed.get(standIn);
      if (!ciphertext) sealed.set(standIn, (ciphertext = {} as EncryptedText));
      return ciphertext;
    }) as E[];
    for (const [standIn, ciphertext] of sealed) {
      const { subject, text } = pending.get(standIn)!;
      Object.assign(ciphertext, await encrypt(subject, text));
    }
    return copy;
  };

  /** A copy of `value` with each stand-in replaced; a copied stand-in (not one handed out) fails loudly. */
  function walk(value: unknown, swap: (standIn: EncryptedText) => unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (pending.has(value as EncryptedText)) return swap(value as EncryptedText);
    if ((value as Partial<EncryptedText>).kid === PENDING_KID)
      throw new Error('A sealed text reached an event as a copy of its stand-in; the decider must pass it on unchanged.');
    if (Array.isArray(value)) return value.map((v) => walk(v, swap));
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, swap);
    return out;
  }
  return { seal, resolve };
}
