import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_BASE } from './problem';

/** Node's own answers to requests its HTTP parser refuses, with the same statuses. */
const ANSWERS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers-too-large', 'The request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request-timeout', 'The request was not received in time'],
};
const MALFORMED: [number, string, string, string] = [
  400,
  'Bad Request',
  'malformed-request',
  'The request is not valid HTTP (e.g. a header holds bytes HTTP does not allow)',
];

/**
 * Requests Node's HTTP parser refuses (a control byte in a header, an oversized header) never
 * reach Express; Node answers them with a bare 400. Answered here as problem+json like every
 * other error, when the socket can still take it.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, reason, code, detail] = ANSWERS[err.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ type: PROBLEM_BASE + code, title: reason, status, code, detail });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
