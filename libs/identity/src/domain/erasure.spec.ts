import { DomainError } from '@app/event-store/core';
import { erasureDecider, type ErasureCommand } from './erasure';

const by = { subject: 'legal-1', role: 'legal' };
const base = { pseudonym: 'p-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', checkedContexts: ['retention'], at: '2026-11-23T10:00:00.000Z', by };
const hold = { ground: 'legal-hold', article: 'GDPR Art. 17(3)(e)', context: 'retention', reference: 'hold-1' };

function given(...commands: ErasureCommand[]) {
  let state = erasureDecider.initialState();
  for (const c of commands) for (const e of erasureDecider.decide(c, state)) state = erasureDecider.evolve(state, e);
  return state;
}

describe('erasure decider', () => {
  it('records a restriction with its grounds, and erasure may follow once the ground is gone', () => {
    const restricted = given({ type: 'RestrictErasure', ...base, grounds: [hold] });
    expect(restricted).toMatchObject({ erased: false, restrictions: 1 });
    const events = erasureDecider.decide({ type: 'RecordKeyShredded', ...base, kid: 'dk-1' }, restricted);
    expect(events).toEqual([{ type: 'identity.DataSubjectKeyShredded', data: { ...base, kid: 'dk-1' } }]);
  });

  it('refuses a restriction without a ground', () => {
    expect(() => erasureDecider.decide({ type: 'RestrictErasure', ...base, grounds: [] }, given())).toThrow(DomainError);
  });

  it('erases at most once', () => {
    const erased = given({ type: 'RecordKeyShredded', ...base, kid: 'dk-1' });
    expect(erased).toMatchObject({ erased: true, kid: 'dk-1', erasedAt: base.at });
    expect(() => erasureDecider.decide({ type: 'RecordKeyShredded', ...base, kid: 'dk-1' }, erased)).toThrow(/already|erased/);
    expect(() => erasureDecider.decide({ type: 'RestrictErasure', ...base, grounds: [hold] }, erased)).toThrow(DomainError);
  });

  it('decides first, then restricts or shreds; a restriction after the decision clears it', () => {
    const decided = given({ type: 'DecideErasure', ...base });
    expect(decided).toMatchObject({ pending: true, erased: false });
    expect(given({ type: 'DecideErasure', ...base }, { type: 'RestrictErasure', ...base, grounds: [hold] })).toMatchObject({ pending: false, restrictions: 1 });
    expect(given({ type: 'DecideErasure', ...base }, { type: 'RecordKeyShredded', ...base, kid: 'dk-1' })).toMatchObject({ pending: false, erased: true });
    expect(() => erasureDecider.decide({ type: 'DecideErasure', ...base }, given({ type: 'RecordKeyShredded', ...base, kid: 'dk-1' }))).toThrow(DomainError);
  });
});
