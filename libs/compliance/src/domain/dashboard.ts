import { ASSESSMENT_NAMES, type ComplianceView, overdueLine } from './compliance-view';

/** Where a system's file stands at a glance: something overdue beats something missing beats complete. */
export type DashboardStatus = 'overdue' | 'missing' | 'complete';

/** What an item of the dashboard is about, so that a screen can label it in its own language. */
export type DashboardItemKind = 'classification' | 'competence' | 'assessment' | 'document' | 'missing';

export interface DashboardItem {
  kind: DashboardItemKind;
  /** In English, with the article that asks for it (the file's own wording). */
  text: string;
}

/** One system's line of the compliance dashboard (issue 23 item 7). */
export interface DashboardEntry {
  aiSystemId: string;
  name: string;
  status: DashboardStatus;
  riskClass: string | null;
  role: string | null;
  counts: { complete: number; missing: number; overdue: number };
  complete: DashboardItem[];
  missing: DashboardItem[];
  overdue: DashboardItem[];
}

/**
 * The dashboard's line for one file as of the view's `asOf`: overdue are the assessments past
 * their review date; missing is the rest of the file's `missing` (each line names its article);
 * complete is what the file holds and is in force (classification, competence checks, current
 * overseers, assessments not due, documents valid that day).
 */
export function dashboardEntry(view: ComplianceView, name: string): DashboardEntry {
  const overdue: DashboardItem[] = view.assessments.filter((a) => a.overdue).map((a) => ({ kind: 'assessment', text: overdueLine(a) }));
  const overdueTexts = new Set(overdue.map((i) => i.text));
  const missing: DashboardItem[] = view.missing.filter((m) => !overdueTexts.has(m)).map((text) => ({ kind: 'missing', text }));
  const complete: DashboardItem[] = [];
  const c = view.classification;
  if (c) {
    complete.push({
      kind: 'classification',
      text: `Classified ${c.aiActRiskClass} (${c.legalGround}${c.legalGroundPoint ? ` ${c.legalGroundPoint}` : ''}) on ${c.decidedOn}; the hospital is ${view.role ?? c.role}`,
    });
  }
  if (view.competence.checked) complete.push({ kind: 'competence', text: `Competence checked at every review (${view.competence.policy})` });
  const authorised = view.competence.overseers.filter((o) => o.authorised).length;
  if (authorised > 0) complete.push({ kind: 'competence', text: `${authorised} overseer(s) with a current competence record (AI Act Art. 26(2))` });
  for (const a of view.assessments.filter((a) => !a.overdue)) {
    complete.push({
      kind: 'assessment',
      text: `${ASSESSMENT_NAMES[a.kind]}: ${a.status} on ${a.assessedOn}${a.nextReviewOn ? `, next review ${a.nextReviewOn}` : ''}`,
    });
  }
  for (const d of view.documents.filter((d) => d.status === 'valid')) {
    complete.push({ kind: 'document', text: `${d.kind}${d.modelVersion ? ` (version ${d.modelVersion})` : ''}: "${d.title}" in force` });
  }
  return {
    aiSystemId: view.aiSystemId,
    name,
    status: overdue.length ? 'overdue' : missing.length ? 'missing' : 'complete',
    riskClass: c?.aiActRiskClass ?? null,
    role: view.role ?? c?.role ?? null,
    counts: { complete: complete.length, missing: missing.length, overdue: overdue.length },
    complete,
    missing,
    overdue,
  };
}
