import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { formatDate, t, type TextKey } from './i18n';
import { navigate } from './state';

/** The page heading takes focus when a screen opens, so keyboard and screen-reader users start there. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={ref} id="page-title">
      {children}
    </h1>
  );
}

export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/** The API's problem+json, in words: the detail, and each field's message (also shown at the field). */
export function ProblemSummary({ error }: { error: unknown }) {
  if (!error) return null;
  const problem =
    error instanceof ApiError ? error.problem : { title: error instanceof Error ? error.message : typeof error === 'string' ? error : 'Error', status: 0 };
  const text = problem.code === 'network' ? t('networkError') : problem.code === 'revision-conflict' ? t('conflict') : (problem.detail ?? problem.title);
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{t('errorSummary')}</strong> {text}
      </p>
      {'errors' in problem && problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Re-renders every `ms` so clocks keep counting down. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

const AMBER_MS = 24 * 3600_000;
export type ClockState = 'met' | 'red' | 'amber' | 'green';
export function clockState(dueAt: string, metAt: string | null, now: number): ClockState {
  if (metAt) return 'met';
  const left = Date.parse(dueAt) - now;
  return left < 0 ? 'red' : left < AMBER_MS ? 'amber' : 'green';
}
export function duration(ms: number): string {
  const m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m % 60} min` : `${m % 60} min`;
}

/** A deadline as a coloured clock: red overdue, amber within 24 hours. Colour is never the only cue. */
export function Clock({ dueAt, metAt = null, now }: { dueAt: string; metAt?: string | null; now: number }) {
  const state = clockState(dueAt, metAt, now);
  const left = Date.parse(dueAt) - now;
  const text = state === 'met' ? t('clock.met') : left < 0 ? t('clock.overdue', { d: duration(left) }) : t('clock.dueIn', { d: duration(left) });
  return (
    <span class={`clock clock-${state}`} data-clock={state} title={formatDate(dueAt)}>
      <span aria-hidden="true">{state === 'red' ? '● ' : state === 'amber' ? '▲ ' : state === 'met' ? '✓ ' : '○ '}</span>
      {text}
    </span>
  );
}

/** Text for a key built from an API value (`decision.${d}`); an unknown value shows as itself. */
export function tt(key: string): string {
  return t(key as TextKey);
}

export function Loading() {
  return <p class="loading">{t('loading')}</p>;
}

/** Loads data for a screen; `reload` fetches again (after a write, or to poll). */
/** A column header; `{ hidden }` is read by screen readers only (a column of links, say). */
export type Column = string | { hidden: string };

/** A list as a table: "loading" until it has arrived, "none" when it is empty, else one row per item. */
export function ItemsTable<T>({ id, items, columns, row }: { id: string; items: T[] | undefined; columns: Column[]; row: (item: T) => ComponentChildren }) {
  if (!items) return <Loading />;
  if (items.length === 0) return <p>{t('none')}</p>;
  return (
    <table id={id}>
      <thead>
        <tr>
          {columns.map((c) =>
            typeof c === 'string' ? (
              <th scope="col">{c}</th>
            ) : (
              <th scope="col">
                <span class="visually-hidden">{c.hidden}</span>
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  );
}

/** One entity from the API with its ETag: the revision a change to it names in If-Match. */
export function useEntity<T>(path: string) {
  const [etag, setEtag] = useState<string | null>(null);
  const loaded = useLoad(async () => {
    const answer = await api<T>('GET', path);
    setEtag(answer.etag);
    return answer.data;
  }, [path]);
  return { ...loaded, etag };
}

/** A detail screen's frame: the way back, its title, the load error, and "loading" until the entity is there. */
export function DetailFrame<T>(p: {
  back: string;
  backLabel: string;
  title: string;
  entity: { data: T | undefined; error: unknown };
  children: (data: T) => ComponentChildren;
}) {
  const data = p.entity.data;
  return (
    <>
      <p>
        <Link href={p.back}>← {p.backLabel}</Link>
      </p>
      <PageTitle>{p.title}</PageTitle>
      <ProblemSummary error={p.entity.error} />
      {data === undefined ? <Loading /> : p.children(data)}
    </>
  );
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => Promise<T | undefined> } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const reload = async () => {
    try {
      const value = await load();
      setData(value);
      setError(null);
      return value;
    } catch (e) {
      setError(e);
      return undefined;
    }
  };
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, reload };
}

/** Polls `check` until it returns a value (projections follow the log a few milliseconds behind). */
export async function until<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 250): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
