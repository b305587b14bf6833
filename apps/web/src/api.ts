// Calls to the registry's API. Errors arrive as RFC 9457 problem+json; the field messages are
// shown next to the fields they name.

export interface FieldProblem {
  field: string;
  message: string;
}
export interface Problem {
  type?: string;
  title: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: FieldProblem[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  /** The message for one field, also when the API names a nested path (`scope.from`). */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message;
  }
}

let bearer: string | null = null;
let onUnauthorised: () => void = () => undefined;
export function setBearer(token: string | null, unauthorised: () => void): void {
  bearer = token;
  onUnauthorised = unauthorised;
}

export interface Answer<T> {
  data: T;
  etag: string | null;
  status: number;
}

export interface CallOptions {
  body?: unknown;
  ifMatch?: string | null;
  idempotencyKey?: string;
}

async function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch {
    throw new ApiError({ title: 'network', status: 0, code: 'network' });
  }
  if (res.ok) return res;
  if (res.status === 401) onUnauthorised();
  const type = res.headers.get('Content-Type') ?? '';
  const problem: Problem = type.includes('json') ? ((await res.json()) as Problem) : { title: res.statusText, status: res.status };
  throw new ApiError(problem);
}

export async function api<T>(method: string, path: string, opts: CallOptions = {}): Promise<Answer<T>> {
  const res = await call(method, path, opts);
  const data = (res.status === 204 ? undefined : await res.json()) as T;
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

export const get = <T>(path: string) => api<T>('GET', path).then((a) => a.data);

/** Downloads a protected file (the bearer token cannot ride on a plain link). */
export async function download(path: string, filename: string): Promise<Blob> {
  const blob = await (await call('GET', path)).blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob;
}

export const newKey = () => crypto.randomUUID();

/** Uploads a file as the request body (a compliance document: its bytes are what is hashed and kept). */
export async function upload<T>(path: string, file: Blob, contentType: string): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', 'Content-Type': contentType };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method: 'POST', headers, body: file });
  } catch {
    throw new ApiError({ title: 'network', status: 0, code: 'network' });
  }
  if (!res.ok) {
    if (res.status === 401) onUnauthorised();
    const type = res.headers.get('Content-Type') ?? '';
    throw new ApiError(type.includes('json') ? ((await res.json()) as Problem) : { title: res.statusText, status: res.status });
  }
  return { data: (await res.json()) as T, etag: res.headers.get('ETag'), status: res.status };
}
