// A minimal observable value and a hook that re-renders on change: enough state for this app.
import { useEffect, useState } from 'preact/hooks';

export interface Signal<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: (value: T) => void): () => void;
}

export function signal<T>(value: T): Signal<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const l of listeners) l(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useSignal<T>(s: Signal<T>): T {
  const [value, setValue] = useState(s.get());
  useEffect(() => s.subscribe(setValue), [s]);
  return value;
}

/** Routing by the real path (the API serves index.html for every non-API GET). */
export const route = signal(typeof location === 'undefined' ? '/' : location.pathname + location.search);
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route.set(to);
}
if (typeof window !== 'undefined') window.addEventListener('popstate', () => route.set(location.pathname + location.search));

/**
 * The patient in context, set by a SMART on FHIR EHR launch: the EHR's raw patient id, kept in
 * memory only (never in a URL or in storage). The worklist then shows that patient's outputs by
 * sending the id in a request body, as the patient timeline does.
 */
export const patientContext = signal<{ patientId: string } | null>(null);
