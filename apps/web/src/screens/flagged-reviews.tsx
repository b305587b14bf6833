// Issue 23 item 4: reviews recorded under a system's `flag` competence policy by someone without a
// current competence record (AI Act Art. 26(2)). The file lists them; each opens the review itself.
import { get } from '../api';
import { formatDate, t } from '../i18n';
import type { ReviewItem } from '../types';
import { DetailFrame, ItemsTable, Link, tt, useEntity, useLoad } from '../ui';

interface ReviewView {
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  reviewer: { subject: string; role: string };
  decision: string;
  originalDecision: string;
  seenAt: string;
  decidedAt: string;
  recordedAt: string;
  withdrawn: boolean;
  corrections: number;
  competence: 'authorised' | 'not-authorised' | null;
  history: Array<{ type: string; recordedAt: string; actor: { subject: string; role: string } }>;
}

export const reviewHref = (systemId: string, reviewId: string) => `/compliance/${systemId}/reviews/${reviewId}`;

/** The flagged reviews of one system, newest first: reviewer, decision time and why each is flagged. */
export function FlaggedReviews({ systemId }: { systemId: string }) {
  const list = useLoad(() => get<{ items: ReviewItem[] }>(`/ai-systems/${systemId}/reviews?competence=not-authorised&limit=200`), [systemId]);
  return (
    <section aria-labelledby="flagged-reviews-title" id="flagged-reviews">
      <h2 id="flagged-reviews-title">{t('flagged.title')}</h2>
      <p>{t('flagged.intro')}</p>
      <ItemsTable
        id="compliance-flagged-reviews"
        items={list.data?.items}
        columns={[t('flagged.decidedAt'), t('flagged.reviewer'), t('flagged.decision'), t('flagged.why'), { hidden: t('flagged.open') }]}
        row={(r) => (
          <tr key={r.reviewId} data-review-id={r.reviewId}>
            <td>{formatDate(r.decidedAt)}</td>
            <td>{r.reviewerSubject}</td>
            <td>
              {tt(`decision.${r.decision}`)}
              {r.withdrawn && <span class="muted"> ({t('flagged.withdrawn')})</span>}
            </td>
            <td>{t('flagged.reason')}</td>
            <td>
              <Link href={reviewHref(systemId, r.reviewId)}>{t('flagged.openReview', { who: r.reviewerSubject })}</Link>
            </td>
          </tr>
        )}
      />
    </section>
  );
}

/** One review as the API folds it from its events, reached from the file's flagged list. */
export function FlaggedReviewDetail({ systemId, reviewId }: { systemId: string; reviewId: string }) {
  const review = useEntity<ReviewView>(`/reviews/${reviewId}`);
  return (
    <DetailFrame back={`/compliance/${systemId}`} backLabel={t('flagged.back')} title={t('flagged.reviewTitle')} entity={review}>
      {(r) => (
        <>
          {r.competence === 'not-authorised' && (
            <p class="badge status-overdue" id="review-flag">
              {t('flagged.reason')}
            </p>
          )}
          <dl class="facts" id="review-facts">
            <dt>{t('flagged.reviewer')}</dt>
            <dd>
              {r.reviewer.subject} ({r.reviewer.role})
            </dd>
            <dt>{t('flagged.decision')}</dt>
            <dd>
              {tt(`decision.${r.decision}`)}
              {r.decision !== r.originalDecision ? ` (${t('flagged.originally', { decision: tt(`decision.${r.originalDecision}`) })})` : ''}
              {r.withdrawn && ` — ${t('flagged.withdrawn')}`}
            </dd>
            <dt>{t('flagged.version')}</dt>
            <dd>{r.modelVersion}</dd>
            <dt>{t('flagged.output')}</dt>
            <dd>
              <code>{r.outputReference}</code>
            </dd>
            <dt>{t('flagged.seenAt')}</dt>
            <dd>{formatDate(r.seenAt)}</dd>
            <dt>{t('flagged.decidedAt')}</dt>
            <dd>{formatDate(r.decidedAt)}</dd>
            <dt>{t('flagged.recordedAt')}</dt>
            <dd>{formatDate(r.recordedAt)}</dd>
          </dl>
          <h2 id="review-history-title">{t('flagged.history')}</h2>
          <ol aria-labelledby="review-history-title" id="review-history">
            {r.history.map((h) => (
              <li key={`${h.type}-${h.recordedAt}`}>
                {formatDate(h.recordedAt)} — {h.type.replace('oversight.', '')} — {h.actor.subject}
              </li>
            ))}
          </ol>
        </>
      )}
    </DetailFrame>
  );
}
