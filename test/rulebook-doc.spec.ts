import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEADLINE_POLICY, type Period, RULEBOOK_VERSION, RULES } from '@app/incidents';

/**
 * docs/incidents.md shows the rulebook as a table between two markers. The table is rendered from
 * the rules themselves, so the documentation cannot drift from the code that computes deadlines:
 * this test fails when they differ. `UPDATE_RULEBOOK_DOC=1 npx jest test/rulebook-doc.spec.ts` rewrites it.
 */
const DOC = join(__dirname, '..', 'docs', 'incidents.md');
const START = '<!-- rulebook:start (generated from libs/incidents/src/domain/rulebook.ts by test/rulebook-doc.spec.ts) -->';
const END = '<!-- rulebook:end -->';

const TRIGGERS = {
  awareness: 'awareness (`awareAt`)',
  identification: 'identification (classified serious)',
  establishment: 'calamity established',
  'incident-notification': 'the incident notification submitted',
  'term-set': 'the IGJ set the term',
};
const NATURE = { law: 'LAW', 'regulator-policy': 'REGULATOR POLICY', 'hospital-policy': 'HOSPITAL POLICY' };

function period(p: Period): string {
  if ('hours' in p) return `${p.hours} h`;
  if ('days' in p) return `${p.days} days`;
  if ('weeks' in p) return `${p.weeks} weeks`;
  if ('months' in p) return `${p.months} month${p.months === 1 ? '' : 's'}`;
  if ('until' in p) return 'the term the IGJ set';
  return `${p.workingDays} Dutch working days`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function render(): string {
  const rows = RULES.map((r) =>
    [
      `\`${r.id}\``,
      r.article,
      `\`${r.recipient}\``,
      TRIGGERS[r.trigger],
      period(r.period(DEFAULT_DEADLINE_POLICY)),
      NATURE[r.nature] +
        (r.aiAct && r.nature !== 'hospital-policy' ? ' (HOSPITAL POLICY before the AI Act applies, J9)' : '') +
        (r.cbw ? ' (HOSPITAL POLICY until the Cyberbeveiligingswet binds the hospital, J15)' : '') +
        (r.reportKind ? `; met by a report of kind \`${r.reportKind}\`` : ''),
      r.when,
      `"${r.quote}"`,
    ]
      .map(cell)
      .join(' | '),
  );
  return [
    START,
    `Rulebook version \`${RULEBOOK_VERSION}\`; periods with the default policy values.`,
    '',
    '| Rule id | Article | Owed to | Clock starts | Period | Law or policy | Applies when | Text |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
    END,
  ].join('\n');
}

describe('the rulebook table in docs/incidents.md', () => {
  it('is the rulebook as the code holds it', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = doc.slice(start, end + END.length);
    if (process.env.UPDATE_RULEBOOK_DOC === '1') writeFileSync(DOC, doc.replace(current, render()));
    else expect(current).toBe(render());
  });
});

describe('the web app names every rule in both languages', () => {
  it('has an English and a Dutch text for each rule id and each recipient', () => {
    const i18n = readFileSync(join(__dirname, '..', 'apps', 'web', 'src', 'i18n.ts'), 'utf8');
    const count = (key: string) => i18n.split(`'${key}':`).length - 1;
    const missing = [...RULES.map((r) => `rule.${r.id}`), ...RULES.map((r) => `recipient.${r.recipient}`)].filter((k) => count(k) !== 2);
    expect([...new Set(missing)]).toEqual([]);
  });
});
