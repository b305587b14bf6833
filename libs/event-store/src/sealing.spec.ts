import type { EncryptedText } from './encrypted-text';
import { sealing } from './sealing';

const encrypted = (subject: string, text: string): EncryptedText => ({
  enc: 'aes-256-gcm',
  kid: `key-of-${subject}`,
  iv: 'iv',
  ct: Buffer.from(text).toString('base64'),
});

describe('sealing free text after the decision', () => {
  it('hands out stand-ins without encrypting, and puts the ciphertext where each went once resolved', async () => {
    const calls: string[] = [];
    const { seal, resolve } = sealing((s, t) => (calls.push(s), Promise.resolve(encrypted(s, t))));
    const reason = seal('patient-1', 'Missed it');
    const note = seal('patient-1', 'Called the ward');
    expect(calls).toEqual([]);
    const [event] = await resolve([{ type: 'X', data: { reason, nested: [{ note }], count: 2 } }]);
    expect(calls).toEqual(['patient-1', 'patient-1']);
    expect(event.data).toEqual({ reason: encrypted('patient-1', 'Missed it'), nested: [{ note: encrypted('patient-1', 'Called the ward') }], count: 2 });
  });

  it('seals nothing without a subject or text (null), so a refused or empty command encrypts nothing', async () => {
    let called = false;
    const { seal, resolve } = sealing((s, t) => ((called = true), Promise.resolve(encrypted(s, t))));
    expect([seal(null, 'x'), seal('p', '  '), seal('p', null), seal(undefined, undefined)]).toEqual([null, null, null, null]);
    await resolve([{ type: 'X', data: {} }]);
    expect(called).toBe(false);
  });

  it('refuses to write a stand-in the decider copied instead of passing on', async () => {
    const { seal, resolve } = sealing((s, t) => Promise.resolve(encrypted(s, t)));
    const reason = seal('p', 'text')!;
    await expect(resolve([{ type: 'X', data: { reason: { ...reason } } }])).rejects.toThrow(/stand-in/);
  });

  it('encrypts only the stand-ins the events carry: text the decider left out creates no key', async () => {
    const calls: string[] = [];
    const { seal, resolve } = sealing((s, t) => (calls.push(s), Promise.resolve(encrypted(s, t))));
    const kept = seal('patient-1', 'kept');
    seal('patient-2', 'dropped by the decider');
    await resolve([{ type: 'X', data: { kept } }]);
    expect(calls).toEqual(['patient-1']);
  });

  it('encrypts a stand-in carried twice once, puts the same ciphertext in both places, and leaves the events handed in as they were', async () => {
    const calls: string[] = [];
    const { seal, resolve } = sealing((s, t) => (calls.push(t), Promise.resolve(encrypted(s, t))));
    const reason = seal('patient-1', 'Missed it')!;
    const handedIn = { type: 'X', data: { reason, why: [reason] } };
    const other = { type: 'Y', data: { reason, why: [] as EncryptedText[] } };
    const [x, y] = await resolve([handedIn, other]);
    expect(calls).toEqual(['Missed it']);
    expect(x.data).toEqual({ reason: encrypted('patient-1', 'Missed it'), why: [encrypted('patient-1', 'Missed it')] });
    expect(y.data).toEqual({ reason: encrypted('patient-1', 'Missed it'), why: [] });
    expect(handedIn.data.reason).toBe(reason);
    expect(handedIn.data.why[0]).toBe(reason);
    expect(other.data.reason).toBe(reason);
  });
});
