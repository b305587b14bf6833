import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real RFC 3161 time-stamping authority on loopback: `openssl ts -reply` behind a tiny HTTP
 * responder. A CA and the TSA's key and certificate (issued by that CA, extendedKeyUsage critical
 * timeStamping, as RFC 3161 §2.3 requires) are made with openssl in a temporary folder.
 */
export class LocalTsa {
  /** `up` answers with openssl; `down` answers 503; `slow` holds each request this long first. */
  mode: 'up' | 'down' = 'up';
  slowMs = 0;
  requests = 0;

  private constructor(
    readonly dir: string,
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** The TSA's CA certificate (PEM): what an operator pins as LEDGER_TSA_CERT_FILE and a verifier as --trusted-tsa. */
  get certFile(): string {
    return join(this.dir, 'ca.crt');
  }

  get certPem(): string {
    return readFileSync(this.certFile, 'utf8');
  }

  static async start(name = 'Test TSA'): Promise<LocalTsa> {
    const dir = mkdtempSync(join(tmpdir(), 'tsa-'));
    makeTsaCertificate(dir, name);
    const state: { tsa?: LocalTsa } = {};
    const server = createServer((req, res) => {
      const tsa = state.tsa!;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          tsa.requests++;
          if (tsa.slowMs) await new Promise((r) => setTimeout(r, tsa.slowMs).unref());
          if (tsa.mode === 'down' || req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
            res.writeHead(503).end();
            return;
          }
          try {
            const reply = await tsaReply(dir, Buffer.concat(chunks));
            res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
          } catch {
            res.writeHead(500).end();
          }
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.tsa = new LocalTsa(dir, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`);
    return state.tsa;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function makeTsaCertificate(dir: string, name: string): void {
  writeFileSync(
    join(dir, 'openssl.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${name}`,
      '[ca_ext]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[tsa_ext]',
      'basicConstraints = critical, CA:false',
      'keyUsage = critical, digitalSignature, nonRepudiation',
      'extendedKeyUsage = critical, timeStamping',
      'subjectKeyIdentifier = hash',
      '[tsa]',
      'default_tsa = tsa_config',
      '[tsa_config]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'signer_cert = $dir/tsa.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256',
      'accuracy = secs:1',
      // Fractions of a second in genTime (4 digits): both verifiers must cut them to milliseconds alike.
      'clock_precision_digits = 4',
      'ordering = no',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      'crypto_device = builtin',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'serial'), '01\n');
  const cnf = join(dir, 'openssl.cnf');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.crt'),
    '-days',
    '3650',
    '-config',
    cnf,
    '-extensions',
    'ca_ext',
    '-subj',
    `/CN=${name} CA`,
  ]);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tsa.key'), '-out', join(dir, 'tsa.csr'), '-config', cnf, '-subj', `/CN=${name}`]);
  run([
    'x509',
    '-req',
    '-in',
    join(dir, 'tsa.csr'),
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-set_serial',
    '2',
    '-days',
    '3650',
    '-extfile',
    cnf,
    '-extensions',
    'tsa_ext',
    '-out',
    join(dir, 'tsa.crt'),
  ]);
}

let replies = 0;

function tsaReply(dir: string, query: Buffer): Promise<Buffer> {
  const n = ++replies;
  const queryFile = join(dir, `q${n}.tsq`);
  const replyFile = join(dir, `r${n}.tsr`);
  writeFileSync(queryFile, query);
  return new Promise((resolve, reject) => {
    execFile('openssl', ['ts', '-reply', '-config', join(dir, 'openssl.cnf'), '-queryfile', queryFile, '-out', replyFile], (err) => {
      if (err) return reject(new Error(`openssl ts -reply failed: ${err.message}`));
      resolve(readFileSync(replyFile));
    });
  });
}
