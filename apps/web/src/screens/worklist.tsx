import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, newKey } from '../api';
import { fieldErrorOf, Status, TextField } from '../forms';
import { formatDate, t } from '../i18n';
import { patientContext, useSignal } from '../state';
import type { Page, WorklistItem } from '../types';
import { duration, Link, Loading, PageTitle, ProblemSummary, tt, useNow } from '../ui';

type Decision = 'accepted' | 'rejected' | 'modified' | 'escalated';
/** One key accepts; the others open the reason field (a second key, Enter, saves). */
const KEYS: Record<string, Decision> = { a: 'accepted', r: 'rejected', m: 'modified', e: 'escalated' };
const BUTTONS: Array<[Decision, string]> = [
  ['accepted', 'worklist.accept'],
  ['rejected', 'worklist.reject'],
  ['modified', 'worklist.modify'],
  ['escalated', 'worklist.escalate'],
];
const PAGE = 100;
/** New outputs arrive while the clinician works: the list is read again this often, focus kept. */
const REFRESH_MS = 30_000;

/**
 * Clinician: the outputs awaiting my review, most urgent first, cleared with the keyboard. The
 * keys work while focus is in the list (WCAG 2.1.4: no single-key shortcut elsewhere on the page).
 */
export function Worklist() {
  // Set by an EHR launch: only that patient's outputs. The banner under the header (app.tsx) names
  // the patient and is the one place to clear it.
  const patient = useSignal(patientContext);
  const now = useNow();
  const [items, setItems] = useState<WorklistItem[] | undefined>(undefined);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  // The open output by id, not by position: a refresh may put new urgent outputs above it.
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pending, setPending] = useState<{ item: WorklistItem; decision: Decision } | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Reviewed here: kept out of later pages while the projection catches up.
  const done = useRef(new Set<string>());
  // When each output was first opened (focused): the review's seenAt.
  const opened = useRef(new Map<string, string>());
  // One Idempotency-Key per output: a retry after a time-out records one review.
  const keys = useRef(new Map<string, string>());
  const rows = useRef(new Map<string, HTMLTableRowElement>());
  const focusRow = useRef<number | null>(null);
  // Set at once (state is not): a key repeated before the next render saves once.
  const saving = useRef(false);

  /** `quiet`: a background refresh, which leaves focus where it is. */
  const load = async (cursor: string | null = null, quiet = false) => {
    try {
      const query = `?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = patient
        ? (await api<Page<WorklistItem>>('POST', `/worklist/patient${query}`, { body: { patientId: patient.patientId } })).data
        : (await api<Page<WorklistItem>>('GET', `/worklist${query}`)).data;
      const fresh = page.items.filter((i) => !done.current.has(i.outputId));
      setItems((before) => {
        const list = cursor && before ? [...before, ...fresh.filter((i) => !before.some((b) => b.outputId === i.outputId))] : fresh;
        if (!cursor && !quiet) focusRow.current = 0;
        return list;
      });
      setNextCursor(page.nextCursor);
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  };
  useEffect(() => {
    done.current.clear();
    setSelectedId(null);
    void load();
    const timer = setInterval(() => void load(null, true), REFRESH_MS);
    return () => clearInterval(timer);
  }, [patient?.patientId]);

  // Moves focus after a render: to the first row when the list arrives, to the next after a save.
  useEffect(() => {
    if (focusRow.current === null || !items || pending) return;
    const i = Math.min(focusRow.current, items.length - 1);
    focusRow.current = null;
    if (i >= 0) rows.current.get(items[i].outputId)?.focus();
  });

  const indexOf = (id: string | null) => (items && id ? items.findIndex((i) => i.outputId === id) : -1);
  const selected = Math.max(0, indexOf(selectedId));

  const select = (i: number) => {
    if (!items || items.length === 0) return;
    const next = Math.max(0, Math.min(items.length - 1, i));
    rows.current.get(items[next].outputId)?.focus();
  };

  const onOpen = (item: WorklistItem) => {
    setSelectedId(item.outputId);
    if (!opened.current.has(item.outputId)) opened.current.set(item.outputId, new Date().toISOString());
  };

  const save = async (item: WorklistItem, decision: Decision, why?: string) => {
    if (saving.current) return;
    saving.current = true;
    setBusy(true);
    setStatus(t('saving'));
    try {
      const decidedAt = new Date().toISOString();
      const key = keys.current.get(item.outputId) ?? newKey();
      keys.current.set(item.outputId, key);
      const body: Record<string, string> = {
        aiSystemId: item.aiSystemId,
        modelVersion: item.modelVersion,
        outputReference: item.outputReference,
        outputSha256: item.outputSha256,
        patientPseudonym: item.patientPseudonym,
        decision,
        seenAt: opened.current.get(item.outputId) ?? decidedAt,
        decidedAt,
      };
      if (why?.trim()) body.reason = why;
      await api('POST', '/reviews', { body, idempotencyKey: key });
      done.current.add(item.outputId);
      const index = Math.max(0, indexOf(item.outputId));
      const left = (items?.length ?? 1) - 1;
      setItems((list) => list?.filter((i) => i.outputId !== item.outputId));
      focusRow.current = index;
      setPending(null);
      setReason('');
      setError(null);
      setStatus(t('worklist.saved', { decision: tt(`decision.${decision}`), reference: item.outputReference, left }));
      if (left < 5 && nextCursor) void load(nextCursor);
    } catch (err) {
      setError(err);
      setStatus(null);
    } finally {
      saving.current = false;
      setBusy(false);
    }
  };

  const start = (item: WorklistItem, decision: Decision) => {
    setError(null);
    if (decision === 'accepted') void save(item, decision);
    else {
      setReason('');
      setPending({ item, decision });
    }
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || busy || !items) return;
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select')) return;
    // The decision is for the output whose row (or button) has focus.
    const row = target.closest<HTMLElement>('tr[data-output-id]');
    const item = items.find((i) => i.outputId === row?.dataset.outputId) ?? items[selected];
    const at = items.indexOf(item);
    if (e.key === 'ArrowDown' || e.key === 'j') select(at + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') select(at - 1);
    else if (item && KEYS[e.key]) start(item, KEYS[e.key]);
    else return;
    e.preventDefault();
  };

  const cancel = () => {
    const index = Math.max(0, indexOf(pending?.item.outputId ?? null));
    setPending(null);
    setError(null);
    focusRow.current = index;
  };

  return (
    <>
      <PageTitle>{t('worklist.title')}</PageTitle>
      <p class="help" id="worklist-keys">
        {t('worklist.keys')}
      </p>
      <ProblemSummary error={loadError} />
      <Status message={status} />
      <section aria-labelledby="page-title" onKeyDown={onKeyDown}>
        {!items ? (
          <Loading />
        ) : items.length === 0 ? (
          <p id="worklist-empty">{t('worklist.empty')}</p>
        ) : (
          <table id="worklist" aria-describedby="worklist-keys">
            <thead>
              <tr>
                <th scope="col">{t('worklist.urgency')}</th>
                <th scope="col">{t('worklist.system')}</th>
                <th scope="col">{t('worklist.ward')}</th>
                <th scope="col">{t('worklist.producedAt')}</th>
                <th scope="col">{t('worklist.waiting')}</th>
                <th scope="col">{t('worklist.summary')}</th>
                <th scope="col">{t('worklist.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, i) => {
                const current = i === selected;
                return (
                  <tr
                    key={item.outputId}
                    ref={(el) => {
                      if (el) rows.current.set(item.outputId, el);
                      else rows.current.delete(item.outputId);
                    }}
                    data-output-id={item.outputId}
                    tabIndex={current ? 0 : -1}
                    class={current ? 'selected' : undefined}
                    aria-current={current ? 'true' : undefined}
                    onFocus={() => onOpen(item)}
                  >
                    <td>
                      <span class={`badge urgency-${item.urgency}`}>{tt(`urgency.${item.urgency}`)}</span>
                    </td>
                    <td>
                      {item.aiSystemName} {item.modelVersion}
                      <br />
                      <span class="mono">{item.outputReference}</span>
                    </td>
                    <td>{item.ward ?? '—'}</td>
                    <td>{formatDate(item.producedAt)}</td>
                    <td>
                      {duration(now - Date.parse(item.producedAt))}
                      {item.overdue && <span class="badge overdue"> {t('worklist.overdue')}</span>}
                    </td>
                    <td>{item.summary.erased ? t('worklist.erased') : (item.summary.text ?? t('worklist.noSummary'))}</td>
                    <td class="actions">
                      {BUTTONS.map(([decision, label]) => (
                        <button type="button" key={decision} tabIndex={current ? 0 : -1} disabled={busy} onClick={() => start(item, decision)}>
                          {t(label as 'worklist.accept')} <kbd aria-hidden="true">{Object.keys(KEYS).find((k) => KEYS[k] === decision)}</kbd>
                        </button>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {pending && (
        <form
          class="card"
          id="worklist-decide"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save(pending.item, pending.decision, reason);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              cancel();
            }
          }}
        >
          <ProblemSummary error={error} />
          <ReasonField
            label={t('worklist.reasonFor', { decision: tt(`decision.${pending.decision}`), reference: pending.item.outputReference })}
            value={reason}
            onValue={setReason}
            error={fieldErrorOf(error, 'reason')}
          />
          <button type="submit" class="primary" disabled={busy}>
            {t('worklist.save')}
          </button>{' '}
          <button type="button" onClick={cancel}>
            {t('worklist.cancel')}
          </button>
        </form>
      )}
      {!pending && error !== null && <ProblemSummary error={error} />}
      <p>
        {nextCursor && (
          <button type="button" onClick={() => void load(nextCursor)}>
            {t('worklist.more')}
          </button>
        )}{' '}
        <button type="button" onClick={() => void load()}>
          {t('worklist.refresh')}
        </button>
      </p>
      <p>
        {t('worklist.manual')} <Link href="/reviews">{t('worklist.manualLink')}</Link>.
      </p>
    </>
  );
}

/** The reason field takes focus when it opens: the second keystroke is typing. */
function ReasonField(p: { label: string; value: string; onValue: (v: string) => void; error?: string }) {
  useEffect(() => document.getElementById('worklist-reason')?.focus(), []);
  return <TextField id="worklist-reason" label={p.label} required value={p.value} onValue={p.onValue} help={t('worklist.reasonHelp')} error={p.error} />;
}
