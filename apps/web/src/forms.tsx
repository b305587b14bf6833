// Form fields and the one way a form writes: labelled inputs with help and error text wired for
// screen readers, the API's message per field, and useWrite (saving, problem or done, reload).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from './api';
import { ProblemSummary } from './ui';
import { lang, t } from './i18n';

interface FieldProps {
  id: string;
  label: string;
  help?: string;
  error?: string;
  required?: boolean;
}
const describedBy = ({ id, help, error }: FieldProps) => [help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;

function FieldShell(p: FieldProps & { children: ComponentChildren }) {
  return (
    <div class={`field${p.error ? ' field-invalid' : ''}`}>
      <label for={p.id}>
        {p.label}
        {p.required && <span class="req"> ({t('required')})</span>}
      </label>
      {p.help && (
        <p class="help" id={`${p.id}-help`}>
          {p.help}
        </p>
      )}
      {p.children}
      {p.error && (
        <p class="error" id={`${p.id}-error`}>
          {p.error}
        </p>
      )}
    </div>
  );
}

/**
 * A date typed into a native date input is shown by the browser in the browser's own language and
 * format; the field repeats it under the input in the language chosen in the app.
 */
function dateEcho(type: string | undefined, value: string): string | null {
  if (!value || (type !== 'date' && type !== 'datetime-local')) return null;
  const locale = lang.get() === 'nl' ? 'nl-NL' : 'en-GB';
  // A date alone is a calendar day (read as UTC so no time zone moves it); a datetime-local is local wall-clock time.
  const at = type === 'date' ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(at.getTime())) return null;
  const options: Intl.DateTimeFormatOptions = type === 'date' ? { dateStyle: 'full', timeZone: 'UTC' } : { dateStyle: 'full', timeStyle: 'short' };
  return new Intl.DateTimeFormat(locale, options).format(at);
}

type InputProps = FieldProps & { value: string; onValue: (v: string) => void; type?: string; autoComplete?: string; multiline?: boolean; rows?: number };
export function TextField(p: InputProps) {
  const common = {
    id: p.id,
    name: p.id,
    value: p.value,
    'aria-invalid': p.error ? true : undefined,
    'aria-describedby': describedBy(p),
    onInput: (e: Event) => p.onValue((e.currentTarget as HTMLInputElement).value),
  };
  const echo = dateEcho(p.type, p.value);
  return (
    <FieldShell {...p}>
      {p.multiline ? <textarea {...common} rows={p.rows ?? 3} /> : <input {...common} type={p.type ?? 'text'} autoComplete={p.autoComplete ?? 'off'} />}
      {echo && (
        <p class="help date-echo" id={`${p.id}-echo`}>
          {echo}
        </p>
      )}
    </FieldShell>
  );
}

export function SelectField(
  p: FieldProps & { value: string; onValue: (v: string) => void; options: Array<{ value: string; label: string }>; placeholder?: string },
) {
  return (
    <FieldShell {...p}>
      <select
        id={p.id}
        name={p.id}
        value={p.value}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy(p)}
        onChange={(e) => p.onValue(e.currentTarget.value)}
      >
        {p.placeholder !== undefined && <option value="">{p.placeholder}</option>}
        {p.options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

export function Checkbox({ id, label, checked, onValue }: { id: string; label: string; checked: boolean; onValue: (v: boolean) => void }) {
  return (
    <div class="check">
      <input type="checkbox" id={id} name={id} checked={checked} onChange={(e) => onValue(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}

export function Status({ message }: { message: string | null }) {
  return (
    <p class="status" role="status" aria-live="polite">
      {message ?? ''}
    </p>
  );
}

/** The API's message for one form field, from a problem+json error. */
export const fieldErrorOf = (error: unknown, field: string) => (error instanceof ApiError ? error.fieldMessage(field) : undefined);

/**
 * One write from a form on a record read with an ETag: "saving", then the API's problem or the done
 * text; the record is read again after the write, and after a 409 (someone changed it first).
 * `run` answers whether the write went through, so the form can clear its fields.
 */
export function useWrite(reload: () => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const run = async (write: () => Promise<unknown>, done: string | null): Promise<boolean> => {
    setStatus(t('saving'));
    try {
      await write();
      setError(null);
      await reload();
      setStatus(done);
      return true;
    } catch (err) {
      setError(err);
      setStatus(null);
      if (err instanceof ApiError && err.problem.status === 409) await reload();
      return false;
    }
  };
  return { error, status, run };
}

/**
 * A form on a card, as every write form is laid out: its heading (which names the form), the
 * API's problem, the fields, the submit button and the live status line.
 */
export function FormCard(p: {
  id: string;
  title: string;
  onSubmit: (e: Event) => Promise<unknown>;
  error: unknown;
  submitLabel: string;
  status?: string | null;
  primary?: boolean;
  busy?: boolean;
  children: ComponentChildren;
}) {
  return (
    <form class="card" onSubmit={(e) => void p.onSubmit(e)} noValidate aria-labelledby={p.id}>
      <h2 id={p.id}>{p.title}</h2>
      <ProblemSummary error={p.error} />
      {p.children}
      <button type="submit" class={p.primary ? 'primary' : undefined} disabled={p.busy}>
        {p.submitLabel}
      </button>
      {p.status !== undefined && <Status message={p.status} />}
    </form>
  );
}
