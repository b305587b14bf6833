import { connect } from 'node:net';
import { type ChildApi, startChildApi, waitForExit } from '../support/child-api';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { tokenFor } from '../reliability/support';

/** Sends raw bytes (what `fetch` would refuse to send) and resolves with the whole answer. */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(Buffer.from(bytes, 'latin1')));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * Issue 20, finding 5: what reaches the API before any route (bytes Node's HTTP parser refuses,
 * unknown paths) is answered as problem+json without echoing it, and the request log of the
 * real process never prints a path or query value (a raw patient id put in a URL by a wrong client).
 */
describe('Request boundary: parser errors, unknown routes and the request log (real process)', () => {
  let storage: TestStorage;
  let api: ChildApi;

  beforeAll(async () => {
    storage = newTestStorage();
    api = await startChildApi(storage.env);
  }, 180_000);
  afterAll(async () => {
    if (api) {
      api.proc.kill('SIGTERM');
      await waitForExit(api.proc);
    }
    await storage?.cleanup();
  });

  it.each([
    ['a control byte in a header value', 'X-Note: a\u0001b', 400, 'malformed-request'],
    ['a NUL in a header value', 'X-Note: a\u0000b', 400, 'malformed-request'],
    ['a space in a header name', 'Bad Header: x', 400, 'malformed-request'],
    ['headers larger than Node allows', `X-Big: ${'x'.repeat(20_000)}`, 431, 'headers-too-large'],
  ])('answers %s with problem+json', async (_what, header, status, code) => {
    const answer = await rawRequest(api.url, `GET /health HTTP/1.1\r\nHost: localhost\r\n${header}\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`);
    expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ status, code, type: `https://oversight-registry.eu/problems/${code}` });
  });

  it('answers an unknown route with 404 problem+json that repeats neither its path nor its query', async () => {
    const res = await fetch(`${api.url}/api/v1/no-such-route/PAT-4711-echo?patientId=PAT-4712-echo`);
    const text = await res.text();
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ code: 'not-found', status: 404 });
    expect(text).not.toMatch(/PAT-47|no-such-route/);
  });

  it('logs the route pattern, never a value from the path or the query', async () => {
    const token = await tokenFor(storage, 'clinician');
    const auth = { Authorization: `Bearer ${token}` };
    const start = api.output().length;
    // A wrong client: raw patient ids in a path parameter, a query and an unknown path (4xx: logged at warn).
    expect((await fetch(`${api.url}/api/v1/patients/PAT-4721-log/timeline`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${api.url}/api/v1/reviews?reviewer=PAT-4722-log&limit=0`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${api.url}/api/v1/PAT-4723-log?patientId=PAT-4724-log`, { headers: auth })).status).toBe(404);
    // The access log line is written when the response finishes, so the previous test's 404 line
    // may arrive after `start`: judge the 400s by their routes and every 404 by having none.
    const lines = (status: number) =>
      api
        .output()
        .slice(start)
        .split('\n')
        .filter((l) => l.includes(`"statusCode":${status}`))
        .map((l) => (JSON.parse(l) as { route: string | null }).route);
    for (let i = 0; i < 100 && (lines(400).length < 2 || lines(404).length < 1); i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines(400).sort()).toEqual(['/api/v1/patients/:pseudonym/timeline', '/api/v1/reviews']);
    expect(lines(404).length).toBeGreaterThanOrEqual(1);
    expect(lines(404).every((route) => route === null)).toBe(true);
    expect(api.output()).not.toMatch(/PAT-47/);
  });
});
