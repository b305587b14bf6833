import { useState } from 'preact/hooks';
import { get } from '../api';
import { formatDate, t } from '../i18n';
import type { StoredEvent } from '../types';
import { Loading, PageTitle, ProblemSummary, useLoad } from '../ui';

interface Verification {
  ok: boolean;
  events: number;
  sealed: number;
  checkpoints: number;
  firstBadPosition: number | null;
  problems: Array<{ position?: number; problem: string }>;
}
interface Checkpoint {
  treeSize: number;
  rootHash: string;
  issuedAt: string;
  keyId: string;
}
/** `GET /access-log/verification` (ADR 0033). */
interface AccessLogReport {
  ok: boolean;
  chain: { ok: boolean; entries: number; firstBadSeq: number | null; purgedThroughSeq: number };
  anchors: number;
  mismatchedAnchors: Array<{ seq: number }>;
  unrecordedPurges: Array<{ throughSeq: number }>;
}
const PAGE = 25;

/** What is wrong with the access log, one line per finding. */
function accessLogProblems(a: AccessLogReport): string[] {
  return [
    ...(a.chain.ok ? [] : [t('audit.accessLogChain', { seq: a.chain.firstBadSeq ?? '?' })]),
    ...a.mismatchedAnchors.map((m) => t('audit.accessLogAnchor', { seq: m.seq })),
    ...a.unrecordedPurges.map((p) => t('audit.accessLogPurge', { seq: p.throughSeq })),
  ];
}

/** A verification's outcome: ✓ or ✗ with its sentence, then (when it failed) what was found, at most 20. */
function Verdict({ id, ok, text, problems }: { id: string; ok: boolean; text: string; problems: string[] }) {
  return (
    <>
      <p id={id} class={ok ? 'ok' : 'bad'} data-ok={String(ok)}>
        <span aria-hidden="true">{ok ? '✓ ' : '✗ '}</span>
        {text}
      </p>
      {!ok && (
        <ul>
          {problems.slice(0, 20).map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Auditor: the ledger's and the access log's verification status, and the event log, newest page first. */
export function Audit() {
  const verification = useLoad(() => get<Verification>('/ledger/verification'), []);
  const checkpoint = useLoad(() => get<{ checkpoints: Checkpoint[] }>('/ledger/checkpoints?limit=1'), []);
  const accessLog = useLoad(() => get<AccessLogReport>('/access-log/verification'), []);
  // `from` is the position after which a page starts; null = the newest page.
  const [from, setFrom] = useState<number | null>(null);
  const log = useLoad(async () => {
    const head = from === null ? (await get<{ head: number }>('/events?limit=1')).head : null;
    const start = from ?? Math.max(0, head! - PAGE);
    return get<{ events: StoredEvent[]; head: number }>(`/events?from=${start}&limit=${PAGE}`).then((r) => ({ ...r, start }));
  }, [from]);
  const v = verification.data;
  const cp = checkpoint.data?.checkpoints[0];
  const a = accessLog.data;
  const aProblems = a ? accessLogProblems(a) : [];
  return (
    <>
      <PageTitle>{t('audit.title')}</PageTitle>
      <section aria-labelledby="ledger-title" class="card">
        <h2 id="ledger-title">{t('audit.ledger')}</h2>
        <ProblemSummary error={verification.error} />
        {!v ? (
          <Loading />
        ) : (
          <Verdict
            id="ledger-status"
            ok={v.ok}
            text={
              v.ok
                ? t('audit.ok', { events: v.events, sealed: v.sealed, checkpoints: v.checkpoints })
                : t('audit.bad', { position: v.firstBadPosition ?? '?', problems: v.problems.length })
            }
            problems={v.problems.map((p) => p.problem)}
          />
        )}
        {cp && <p class="mono small">{t('audit.latest', { size: cp.treeSize, root: cp.rootHash, at: formatDate(cp.issuedAt) })}</p>}
        <button type="button" onClick={() => void Promise.all([verification.reload(), checkpoint.reload(), accessLog.reload()])}>
          {t('audit.verify')}
        </button>
      </section>
      <section aria-labelledby="access-log-title" class="card">
        <h2 id="access-log-title">{t('audit.accessLog')}</h2>
        <ProblemSummary error={accessLog.error} />
        {!a ? (
          <Loading />
        ) : (
          <Verdict
            id="access-log-status"
            ok={a.ok}
            text={a.ok ? t('audit.accessLogOk', { entries: a.chain.entries }) : t('audit.accessLogBad', { problems: aProblems.length })}
            problems={aProblems}
          />
        )}
        {a && (
          <p id="access-log-anchors" class="small">
            {a.chain.purgedThroughSeq > 0 && `${t('audit.accessLogPurged', { seq: a.chain.purgedThroughSeq })} `}
            {a.anchors > 0 ? t('audit.accessLogAnchors', { anchors: a.anchors }) : t('audit.accessLogNoAnchors')}
          </p>
        )}
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">{t('audit.events')}</h2>
        <ProblemSummary error={log.error} />
        {!log.data ? (
          <Loading />
        ) : (
          <>
            <p aria-live="polite">{t('audit.range', { from: log.data.start + 1, to: log.data.start + log.data.events.length, head: log.data.head })}</p>
            <nav class="pager" aria-label={t('audit.events')}>
              <button type="button" disabled={log.data.start === 0} onClick={() => setFrom(Math.max(0, log.data!.start - PAGE))}>
                ← {t('audit.older')}
              </button>
              <button
                type="button"
                disabled={log.data.start + PAGE >= log.data.head}
                onClick={() => setFrom(log.data!.start + PAGE >= log.data!.head - PAGE ? null : log.data!.start + PAGE)}
              >
                {t('audit.newer')} →
              </button>
            </nav>
            <table id="event-log">
              <thead>
                <tr>
                  <th scope="col">{t('audit.position')}</th>
                  <th scope="col">{t('audit.type')}</th>
                  <th scope="col">{t('audit.stream')}</th>
                  <th scope="col">{t('audit.recordedAt')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                </tr>
              </thead>
              <tbody>
                {[...log.data.events].reverse().map((e) => (
                  <tr key={e.globalPosition} data-position={e.globalPosition}>
                    <td>{e.globalPosition}</td>
                    <td>
                      <details>
                        <summary>{e.type}</summary>
                        <pre class="json" tabIndex={0} aria-label={t('audit.details')}>
                          {JSON.stringify(e.data, null, 2)}
                        </pre>
                      </details>
                    </td>
                    <td class="mono small">{e.streamId}</td>
                    <td>{formatDate(e.recordedAt)}</td>
                    <td>{e.metadata.actor ? `${e.metadata.actor.subject} (${e.metadata.actor.role})` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </>
  );
}
