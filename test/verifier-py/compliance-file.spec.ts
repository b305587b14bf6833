import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { ComplianceFileDeriver } from '@app/evidence';
import { verifyMd } from '../../libs/evidence/src/bundle/verify-md';
import type { EventEnvelope } from '@app/event-store/core';
import { PY_VERIFIER, requirePythonVerifier } from '../support/python-verifier';

/**
 * VERIFY.md B.18 is sufficient: the Python verifier's derivation of the compliance file, written
 * from that section alone, gives the same bytes as the registry's fold (`complianceViewFromEvents`)
 * on every case below: each rule of the section on its own, days other than today across both
 * daylight-saving changes, and a few hundred files of random histories. A difference names the case.
 */
const SYSTEM = '0193a1b2-0000-7000-8000-00000000a001';
const qm = { subject: 'qm-1', role: 'quality-manager' };

interface Case {
  name: string;
  asOf: string;
  events: EventEnvelope[];
}

/** Both derivations of each case: the registry's (TypeScript) and the Python verifier's. */
function derive(cases: Case[]): Array<{ name: string; ts: string | null; py: string | null }> {
  const ts = cases.map((c) => {
    const d = new ComplianceFileDeriver(SYSTEM, c.asOf);
    for (const e of c.events) d.event(e);
    return d.derive()?.text ?? null;
  });
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(dirname(PY_VERIFIER))})`,
    'import verify_bundle as v',
    'out = []',
    'for case in json.load(sys.stdin):',
    '    c = v.ComplianceFile(case["aiSystemId"], case["asOf"])',
    '    for e in case["events"]:',
    '        c.event(e)',
    '    out.append(c.derive())',
    'print(json.dumps(out))',
  ].join('\n');
  const input = JSON.stringify(cases.map((c) => ({ aiSystemId: SYSTEM, asOf: c.asOf, events: c.events })));
  const py = JSON.parse(execFileSync('python3', ['-c', script], { input, maxBuffer: 256 << 20 }).toString('utf8')) as Array<string | null>;
  return cases.map((c, i) => ({ name: c.name, ts: ts[i], py: py[i] }));
}

/** A history: events appended to the two streams, each recorded at the time given. */
class History {
  readonly events: EventEnvelope[] = [];
  private readonly revisions = new Map<string, number>();

  add(stream: 'system' | 'file', type: string, recordedAt: string, data: Record<string, unknown>): this {
    const streamId = `${stream === 'system' ? 'ai-system-' : 'compliance-file-'}${SYSTEM}`;
    const streamRevision = this.revisions.get(streamId) ?? 0;
    this.revisions.set(streamId, streamRevision + 1);
    this.events.push({
      eventId: `e-${this.events.length}`,
      type,
      schemaVersion: 1,
      streamId,
      streamRevision,
      globalPosition: this.events.length + 1,
      recordedAt,
      data: { aiSystemId: SYSTEM, ...data },
      metadata: {},
    });
    return this;
  }

  register(at: string, more: Record<string, unknown> = {}): this {
    return this.add('system', 'ai-systems.AiSystemRegistered', at, {
      name: 'ChestXR Triage',
      version: '2.3.1',
      aiActRiskClass: 'high',
      oversightPersons: ['dr-devries', 'dr-jansen'],
      registeredAt: at,
      ...more,
    });
  }

  version(at: string, version: string): this {
    return this.add('system', 'ai-systems.AiSystemVersionChanged', at, { previousVersion: null, version, ifuVersion: null, reason: null, changedAt: at });
  }

  classify(at: string, more: Record<string, unknown> = {}): this {
    return this.add('file', 'compliance.SystemClassified', at, {
      fromVersion: '2.3.1',
      role: 'deployer',
      aiActRiskClass: 'high',
      legalGround: 'art-6-1',
      legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
      mdrClass: 'IIa',
      inHouseDevice: false,
      dutiesApplyFrom: '2028-08-02',
      dutiesApplyFromBasis: 'basis',
      rationale: 'Software medical device',
      decidedBy: qm,
      decidedOn: at.slice(0, 10),
      classifiedAt: at,
      ...more,
    });
  }

  modification(at: string, version: string, becomesProvider: boolean): this {
    return this.add('file', 'compliance.ModificationAssessed', at, {
      version,
      change: 'substantial-modification',
      description: 'Retrained',
      becomesProvider,
      rationale: 'Art. 25(1)(b)',
      assessedBy: qm,
      assessedOn: at.slice(0, 10),
      assessedAt: at,
    });
  }

  policy(at: string, policy: string): this {
    return this.add('file', 'compliance.CompetencePolicySet', at, { policy, reason: 'Policy', setBy: qm, setAt: at });
  }

  competence(at: string, recordId: string, person: string, validFrom: string, validUntil: string | null): this {
    return this.add('file', 'compliance.CompetenceRecorded', at, {
      recordId,
      person,
      course: 'Course',
      completedOn: validFrom.slice(0, 10),
      expiresOn: validUntil?.slice(0, 10) ?? null,
      validFrom,
      validUntil,
      signedOffBy: qm,
      recordedAt: at,
    });
  }

  withdrawCompetence(at: string, person: string, withdrawnAt = at): this {
    return this.add('file', 'compliance.CompetenceWithdrawn', at, { person, reason: 'Left', withdrawnBy: qm, withdrawnAt });
  }

  assessment(at: string, assessmentId: string, kind: string, status: string, nextReviewOn: string | null, nextReviewAt: string | null): this {
    return this.add('file', 'compliance.AssessmentRecorded', at, {
      assessmentId,
      kind,
      status,
      outcome: 'Outcome',
      approver: status === 'approved' ? 'DPO' : null,
      assessedOn: at.slice(0, 10),
      nextReviewOn,
      nextReviewAt,
      documentReference: null,
      recordedBy: qm,
      recordedAt: at,
    });
  }

  document(at: string, documentId: string, kind: string, validFrom: string, validUntil: string | null, modelVersion: string | null = null): this {
    return this.add('file', 'compliance.DocumentRecorded', at, {
      documentId,
      kind,
      title: `Document ${documentId}`,
      modelVersion,
      validFrom,
      validUntil,
      sha256: documentId.padEnd(64, '0').slice(0, 64),
      sizeBytes: 1234,
      mediaType: 'application/pdf',
      filename: null,
      uploadedBy: qm,
      uploadedAt: at,
    });
  }

  supersede(at: string, documentId: string, by: string, effectiveOn: string): this {
    return this.add('file', 'compliance.DocumentSuperseded', at, { documentId, supersededBy: by, effectiveOn, supersededAt: at });
  }

  withdrawDocument(at: string, documentId: string, effectiveOn: string): this {
    return this.add('file', 'compliance.DocumentWithdrawn', at, { documentId, reason: 'Suspended', effectiveOn, withdrawnBy: qm, withdrawnAt: at });
  }

  inform(at: string, statementId: string, basis: string): this {
    return this.add('file', 'compliance.InformationDutyRecorded', at, {
      statementId,
      basis,
      audience: 'workers',
      channel: 'Intranet',
      timing: 'Before first use',
      textVersion: 'v1',
      documentId: null,
      textSha256: 'a'.repeat(64),
      approvedBy: 'Works council',
      effectiveFrom: at.slice(0, 10),
      recordedBy: qm,
      recordedAt: at,
    });
  }
}

const T = (day: string, time = '09:00:00.000') => `${day}T${time}Z`;

/** One case per rule of B.18, most as of days long past (not today). */
function ruleCases(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, asOf: string, h: History) => cases.push({ name, asOf, events: h.events });
  add('not registered by asOf: no file', T('2026-01-01'), new History().register(T('2026-02-01')));
  add('registered only: every line of missing but the classification ones', T('2026-02-01'), new History().register(T('2026-01-01')));
  add('registered as prohibited, no classification', T('2026-02-01'), new History().register(T('2026-01-01'), { aiActRiskClass: 'prohibited' }));
  add(
    'registered twice: the second starts over; a version change; unknown types change nothing',
    T('2026-03-01'),
    new History()
      .register(T('2026-01-01'))
      .version(T('2026-01-02'), '2.4.0')
      .register(T('2026-01-03'), { version: '3.0.0', oversightPersons: ['dr-x'], aiActRiskClass: 'limited' })
      .add('system', 'ai-systems.AiSystemUseSuspended', T('2026-01-04'), { reason: 'r', suspendedAt: T('2026-01-04') })
      .add('file', 'compliance.SomethingLater', T('2026-01-05'), { anything: 1 }),
  );
  add(
    'oversightPersons absent: an empty list',
    T('2026-03-01'),
    (() => {
      const h = new History().register(T('2026-01-01'));
      delete h.events[0].data.oversightPersons;
      return h;
    })(),
  );
  add(
    'classified prohibited, with and without a point',
    T('2026-03-01'),
    new History().register(T('2026-01-01')).classify(T('2026-02-01'), { aiActRiskClass: 'prohibited', legalGround: 'art-5', legalGroundPoint: null }),
  );
  add(
    'classifications, a version since, Art. 25 assessments: the role by the latest line',
    T('2026-06-01'),
    new History()
      .register(T('2026-01-01'))
      .classify(T('2026-02-01'))
      .version(T('2026-03-01'), '2.4.0')
      .modification(T('2026-03-02'), '2.4.0', true)
      .classify(T('2026-04-01'), { aiActRiskClass: 'high', legalGround: 'annex-iii', legalGroundPoint: 'Annex III point 5(d)', role: 'deployer' })
      .version(T('2026-05-01'), '2.5.0')
      .modification(T('2026-05-02'), '2.4.0', false),
  );
  add(
    'art-50 without its statement; a provider by assessment before any classification',
    T('2026-06-01'),
    new History()
      .register(T('2026-01-01'))
      .modification(T('2026-01-15'), '2.3.1', true)
      .classify(T('2026-02-01'), { aiActRiskClass: 'limited', legalGround: 'art-50', legalGroundPoint: null }),
  );
  add('a provider by assessment and no classification', T('2026-06-01'), new History().register(T('2026-01-01')).modification(T('2026-01-15'), '2.3.1', true));
  // Competence: each status, the instant of withdrawal, records after a withdrawal, persons' order.
  const competence = () =>
    new History()
      .register(T('2026-01-01'))
      .classify(T('2026-01-02'))
      .policy(T('2026-01-03'), 'refuse')
      .policy(T('2026-01-04'), 'flag')
      .competence(T('2026-01-05'), 'r1', 'dr-devries', '2026-01-04T23:00:00.000Z', '2026-12-31T22:59:59.999Z')
      .competence(T('2026-01-05', '10:00:00.000'), 'r2', 'dr-new', '2026-09-30T22:00:00.000Z', null)
      .competence(T('2026-01-06'), 'r3', 'dr-old', '2025-01-01T23:00:00.000Z', '2025-12-31T22:59:59.999Z')
      .withdrawCompetence(T('2026-05-01'), 'dr-devries', '2026-05-01T08:00:00.000Z')
      .competence(T('2026-05-02'), 'r4', 'dr-devries', '2026-05-01T22:00:00.000Z', null)
      .competence(T('2026-05-03'), 'r5', 'dr-jansen', '2026-05-02T22:00:00.000Z', '2026-06-30T21:59:59.999Z');
  add('competence as of the withdrawal instant', '2026-05-01T08:00:00.000Z', competence());
  add('competence a millisecond before it (recorded later: not known yet)', '2026-05-01T07:59:59.999Z', competence());
  add('competence in summer', T('2026-06-15'), competence());
  add('competence at the last millisecond of a validUntil, and just after', '2026-06-30T21:59:59.999Z', competence());
  add('competence just after a validUntil', '2026-06-30T22:00:00.000Z', competence());
  add('competence after all lapsed', T('2027-03-01'), competence());
  // Assessments: order of first kind, replacement, overdue exactly at and after nextReviewAt, not-required.
  const assessments = () =>
    new History()
      .register(T('2026-01-01'))
      .classify(T('2026-01-02'))
      .assessment(T('2026-01-03'), 'a1', 'risk-analysis', 'in-progress', '2026-03-01', '2026-03-01T22:59:59.999Z')
      .assessment(T('2026-01-04'), 'a2', 'dpia', 'approved', '2026-02-01', '2026-02-01T22:59:59.999Z')
      .assessment(T('2026-01-05'), 'a3', 'fria', 'not-required', null, null)
      .assessment(T('2026-01-06'), 'a4', 'risk-analysis', 'approved', '2026-04-01', '2026-04-01T21:59:59.999Z');
  add('assessments at the nextReviewAt instant: not overdue', '2026-02-01T22:59:59.999Z', assessments());
  add('assessments a millisecond later: overdue', '2026-02-01T23:00:00.000Z', assessments());
  add('assessments both overdue', T('2026-05-01'), assessments());
  add(
    'a not-required assessment with a past review date is never overdue',
    T('2026-05-01'),
    new History().register(T('2026-01-01')).assessment(T('2026-01-03'), 'a1', 'dpia', 'not-required', '2026-02-01', '2026-02-01T22:59:59.999Z'),
  );
  // Documents: each status, on days around the changes of summer time.
  const documents = () =>
    new History()
      .register(T('2026-01-01'))
      .classify(T('2026-01-02'))
      .document(T('2026-01-03'), 'ifu1', 'instructions-for-use', '2026-01-01', null, '2.3.1')
      .document(T('2026-01-04'), 'doc1', 'eu-declaration-of-conformity', '2026-01-01', '2026-03-28')
      .document(T('2026-01-05'), 'ce1', 'ce-certificate', '2026-03-29', null)
      .document(T('2026-01-06'), 'con1', 'contract', '2026-01-10', null)
      .withdrawDocument(T('2026-01-07'), 'con1', '2026-01-10')
      .document(T('2026-03-01'), 'ifu2', 'instructions-for-use', '2026-03-29', null, '2.3.1')
      .supersede(T('2026-03-01'), 'ifu1', 'ifu2', '2026-03-29')
      .document(T('2026-03-02'), 'pa1', 'processing-agreement', '2026-01-01', '2026-12-31')
      .withdrawDocument(T('2026-03-03'), 'pa1', '2026-10-26')
      .withdrawDocument(T('2026-03-04'), 'ifu2', '2026-10-25');
  add('documents on the last day before summer time (23:30 in Amsterdam)', '2026-03-28T22:30:00.000Z', documents());
  add('documents on the first day of summer time (00:30 in Amsterdam)', '2026-03-28T23:30:00.000Z', documents());
  add('documents on the day winter time returns (23:30 in Amsterdam)', '2026-10-25T22:30:00.000Z', documents());
  add('documents on the day after (00:30 in Amsterdam)', '2026-10-25T23:30:00.000Z', documents());
  add('documents before any held', T('2025-12-30'), documents());
  add(
    'information duties: the latest of each basis, in the order each basis first came; annex-iii asks 26(11)',
    T('2026-06-01'),
    new History()
      .register(T('2026-01-01'))
      .classify(T('2026-01-02'), { legalGround: 'annex-iii', legalGroundPoint: 'Annex III point 5(d)' })
      .inform(T('2026-01-03'), 's1', 'gdpr-14')
      .inform(T('2026-01-04'), 's2', 'aiact-26-7')
      .inform(T('2026-01-05'), 's3', 'gdpr-14')
      .document(T('2026-01-06'), 'ifu', 'instructions-for-use', '2026-01-01', null, '2.3.1')
      .document(T('2026-01-06'), 'doc', 'eu-declaration-of-conformity', '2026-01-01', null),
  );
  add(
    'values as they stand: extra members kept, a member added replaces one of the same name, numbers as B.3',
    T('2026-06-01'),
    new History()
      .register(T('2026-01-01'))
      .add('file', 'compliance.CompetenceRecorded', T('2026-01-02'), {
        recordId: 'x',
        person: 'dr-devries',
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: null,
        status: 'forged',
        withdrawnAt: '2020-01-01T00:00:00.000Z',
        extra: { nested: [1, 2.5, 1e21, -0, 'ü €'] },
      })
      .add('file', 'compliance.DocumentRecorded', T('2026-01-03'), {
        documentId: 'd',
        kind: 'contract',
        validFrom: '2026-01-01',
        validUntil: null,
        sizeBytes: 10_000_000_000,
        lastValidDay: 'forged',
      }),
  );
  return cases;
}

/** A small deterministic generator (mulberry32): the same random histories on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random histories over 2026, as of a random moment: the rules in combinations no one wrote down. */
function randomCases(n: number): Case[] {
  const r = rng(23);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const day = (from = 0, span = 365) => new Date(Date.UTC(2026, 0, 1) + Math.floor(from + r() * span) * 86_400_000).toISOString().slice(0, 10);
  const instant = (d: string) => new Date(Date.parse(`${d}T00:00:00.000Z`) + Math.floor(r() * 86_400_000)).toISOString();
  const persons = ['dr-devries', 'dr-jansen', 'dr-bakker', 'dr-visser'];
  const versions = ['2.3.1', '2.4.0', '2.5.0'];
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const h = new History().register(instant(day(0, 20)), {
      oversightPersons: persons.slice(0, Math.floor(r() * 3)),
      aiActRiskClass: pick(['high', 'minimal', 'prohibited']),
    });
    const docs: string[] = [];
    const steps = 5 + Math.floor(r() * 25);
    for (let s = 0; s < steps; s++) {
      const at = instant(day(20 + s * 10, 10));
      const d1 = day(0, 365);
      switch (Math.floor(r() * 11)) {
        case 0:
          h.classify(
            at,
            pick([
              {},
              { legalGround: 'annex-iii', legalGroundPoint: 'Annex III point 5(d)' },
              { aiActRiskClass: 'limited', legalGround: 'art-50', legalGroundPoint: null },
              { aiActRiskClass: 'prohibited', legalGround: 'art-5', legalGroundPoint: 'Art. 5(1)(f)' },
              { aiActRiskClass: 'minimal', legalGround: 'none', legalGroundPoint: null, fromVersion: pick(versions) },
            ]),
          );
          break;
        case 1:
          h.version(at, pick(versions));
          break;
        case 2:
          h.modification(at, pick(versions), r() < 0.5);
          break;
        case 3:
          h.policy(at, pick(['refuse', 'flag', 'not-checked']));
          break;
        case 4:
        case 5: {
          const from = instant(day(0, 300));
          h.competence(at, `r${s}`, pick(persons), from, r() < 0.3 ? null : new Date(Date.parse(from) + Math.floor(r() * 200) * 86_400_000).toISOString());
          break;
        }
        case 6:
          h.withdrawCompetence(at, pick(persons), r() < 0.5 ? at : instant(day(0, 365)));
          break;
        case 7: {
          const status = pick(['in-progress', 'approved', 'not-required']);
          const next = status === 'not-required' && r() < 0.5 ? null : day(0, 400);
          h.assessment(
            at,
            `a${s}`,
            pick(['fria', 'dpia', 'risk-analysis']),
            status,
            next,
            next && new Date(Date.parse(`${next}T21:59:59.999Z`) + (r() < 0.5 ? 3_600_000 : 0)).toISOString(),
          );
          break;
        }
        case 8: {
          const id = `d${s}`;
          h.document(
            at,
            id,
            pick(['instructions-for-use', 'eu-declaration-of-conformity', 'contract']),
            d1,
            r() < 0.5 ? null : day(0, 365),
            pick([null, ...versions]),
          );
          docs.push(id);
          break;
        }
        case 9:
          if (docs.length) {
            if (r() < 0.5) h.supersede(at, pick(docs), 'dx', day(0, 365));
            else h.withdrawDocument(at, pick(docs), day(0, 365));
          }
          break;
        default:
          h.inform(at, `s${s}`, pick(['aiact-26-7', 'aiact-26-11', 'aiact-50', 'gdpr-13', 'gdpr-14']));
      }
    }
    cases.push({ name: `random history ${i}`, asOf: instant(day(0, 420)), events: h.events });
  }
  return cases;
}

describe('VERIFY.md B.18 derives the compliance file: the Python verifier from the text, the registry from its fold', () => {
  beforeAll(() => requirePythonVerifier());

  it('each rule, as of days other than today (around both changes of summer time too): the same bytes', () => {
    const results = derive(ruleCases());
    for (const r of results) expect({ name: r.name, bytes: r.py }).toEqual({ name: r.name, bytes: r.ts });
    // The cases reach what they name: no file before registration, each status of records and documents.
    expect(results[0].ts).toBeNull();
    const all = results.map((r) => r.ts ?? '').join('\n');
    for (const s of ['"withdrawn"', '"not-yet-valid"', '"lapsed"', '"current"', '"superseded"', '"expired"', '"valid"', '"overdue":true', '"overdue":false']) {
      expect(all).toContain(s);
    }
  });

  it('the Python verifier’s constants are VERIFY.md’s B.18: the statement, the names of assessment kinds, the form of asOf', () => {
    const md = verifyMd({ log: 'test', treeSize: 1, rootHash: '0'.repeat(64), issuedAt: '2026-12-07T10:00:00.000Z', keyId: 'k', signature: '' });
    const section = md.slice(md.indexOf('## B.18'));
    const script = `import json, sys; sys.path.insert(0, ${JSON.stringify(dirname(PY_VERIFIER))}); import verify_bundle as v; print(json.dumps([v.COMPLIANCE_STATEMENT, v.KIND_NAMES]))`;
    const [statement, names] = JSON.parse(execFileSync('python3', ['-c', script]).toString()) as [string, Record<string, string>];
    expect(section).toContain(`\`${JSON.stringify(statement)}\``);
    for (const [kind, name] of Object.entries(names)) expect(section).toContain(`\`${kind}\` → "${name}"`);
    expect(section).toContain('`YYYY-MM-DDTHH:mm:ss.sssZ`');
  });

  it('three hundred random histories as of random moments: the same bytes', () => {
    for (const r of derive(randomCases(300))) expect({ name: r.name, bytes: r.py }).toEqual({ name: r.name, bytes: r.ts });
  });
});
