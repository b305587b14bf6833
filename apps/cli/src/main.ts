#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { restrictNewFiles } from '@app/event-store/settings';
import { ROLES } from '@app/identity/tokens';

// Every command may create files under the data folder (database, keys, bundles): 0600 unless FILE_MODE says otherwise.
restrictNewFiles();

// Each command's module is loaded only when that command runs: loading them all (Nest, TypeORM,
// every context) cost every call over a second, `registry token` included. A synchronous
// require keeps the types, and test/architecture.spec.ts still sees each module through `typeof import`.
/* eslint-disable @typescript-eslint/no-require-imports */
const commands = {
  serve: () => require('./commands/serve') as typeof import('./commands/serve'),
  token: () => require('./commands/token') as typeof import('./commands/token'),
  migrate: () => require('./commands/migrate') as typeof import('./commands/migrate'),
  migrateStore: () => require('./commands/migrate-store') as typeof import('./commands/migrate-store'),
  projections: () => require('./commands/projections') as typeof import('./commands/projections'),
  incidents: () => require('./commands/incidents') as typeof import('./commands/incidents'),
  retention: () => require('./commands/retention') as typeof import('./commands/retention'),
  verify: () => require('./commands/verify') as typeof import('./commands/verify'),
  bundles: () => require('./commands/bundles') as typeof import('./commands/bundles'),
  verifyBundle: () => require('./commands/verify-bundle') as typeof import('./commands/verify-bundle'),
  docs: () => require('./commands/docs') as typeof import('./commands/docs'),
  keys: () => require('./commands/keys') as typeof import('./commands/keys'),
  accessLog: () => require('./commands/access-log') as typeof import('./commands/access-log'),
  workers: () => require('./commands/workers') as typeof import('./commands/workers'),
  complianceFile: () => require('./commands/compliance-file') as typeof import('./commands/compliance-file'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

const program = new Command()
  .name('registry')
  .description('oversight-registry: evidence of human oversight, incidents, retention and disclosure for hospital AI')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP API (embedded SQLite under ./data unless DATABASE_URL is set)')
  .option('-p, --port <port>', 'port', process.env.PORT ?? '3000')
  .option('--host <host>', 'interface to listen on', process.env.HOST ?? '127.0.0.1')
  .action((o: { port: string; host: string }) => commands.serve().serve(Number(o.port), o.host));

program
  .command('token')
  .description('Mint a local bearer token (embedded mode) signed with the key in ./data/keys')
  .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
  .requiredOption('--sub <subject>', 'user id, e.g. an employee number')
  .option('--name <name>', 'display name')
  .option('--ttl <seconds>', 'lifetime in seconds', '28800')
  .option('--ai-system <id>', 'with --role ai-system: the AI system the client may post outputs for')
  .action((o: { role: string; sub: string; name?: string; ttl: string; aiSystem?: string }) => commands.token().token(o));

program
  .command('migrate')
  .description('Apply the database migrations (or revert the last one)')
  .option('--revert', 'revert the most recent migration')
  .action((o: { revert?: boolean }) => commands.migrate().migrate(Boolean(o.revert)));

program
  .command('migrate-store')
  .description('Copy the event log (with keys, ledger and access log) to another store, identical envelopes, and check the ledger root')
  .requiredOption('--from <store>', 'source: sqlite:<file or data folder> or postgres://…')
  .requiredOption('--to <store>', 'target: postgres://…, sqlite:<file> or kurrentdb://… (not tested against a live server)')
  .option('--schema <name>', 'PostgreSQL schema of the target (created if missing)')
  .option('--from-schema <name>', 'PostgreSQL schema of the source')
  .option('--resume', 'continue a copy that stopped (the target must hold a prefix of the source)')
  .action((o: { from: string; to: string; schema?: string; fromSchema?: string; resume?: boolean }) => commands.migrateStore().migrateStoreCommand(o));

const projections = program.command('projections').description('Read models built from the event log');
projections
  .command('rebuild <name>')
  .description('Rebuild a projection from position 0 into new tables, then swap them in (blue/green)')
  .action((name: string) => commands.projections().projectionsRebuild(name));
projections
  .command('status')
  .description('Checkpoint, head and lag of every projection; a stalled one with its position and error (exit code 2)')
  .action(() => commands.projections().projectionsStatus());
program
  .command('rebuild <name>')
  .description('Same as `projections rebuild <name>`')
  .action((name: string) => commands.projections().projectionsRebuild(name));

program
  .command('workers')
  .description('Background work: projections, incident-review links, report delivery, scheduled purge, ledger sealer, unfinished erasures')
  .command('status')
  .description('Each worker on or off under this environment and why (WORKERS_OFF), and how far it has come (exit code 2 if a projection is stalled)')
  .action(() => commands.workers().workersStatus());

program
  .command('verify')
  .description('Check the whole ledger: every stored event against its sealed leaf, every signed tree head')
  .option('--json', 'print the full report as JSON')
  .option('--strict', 'also exit 1 when events are not sealed yet (they are always named)')
  .action((o: { json?: boolean; strict?: boolean }) => commands.verify().verifyLedger(o));

const ledger = program.command('ledger').description('The tamper-evident ledger');
ledger
  .command('seal')
  .description('Seal every committed event and sign a tree head now')
  .action(() => commands.verify().sealLedger());
ledger
  .command('anchor')
  .description('Sign a tree head now and have the configured RFC 3161 TSA (LEDGER_TSA_URL) time-stamp it and the witnesses (LEDGER_WITNESSES) cosign it')
  .action(() => commands.verify().anchorLedger());
ledger
  .command('vkey')
  .description("Print the ledger's checkpoint origin and signed-note verifier key, for a witness to trust (C2SP tlog-witness)")
  .action(() => commands.verify().ledgerVkey());

const logs = program.command('logs').description('AI-system logs kept for retention (AI Act Art. 26(6))');
logs
  .command('ingest <file>')
  .description('Stream a log file into the blob store and record it (same content twice: recorded once)')
  .requiredOption('--system <id>', 'AI system that generated the logs')
  .option('--from <date-time>', 'start of the period covered (default: --to)')
  .option('--to <date-time>', 'end of the period covered (default: file modification time)')
  .option('--kind <kind>', 'artefact kind', 'ai-system-log')
  .option('--sha256 <hex>', 'expected SHA-256; refused when the content differs')
  .action((file: string, o: { system: string; from?: string; to?: string; kind?: string; sha256?: string }) => commands.retention().logsIngest(file, o));

logs
  .command('watch <dir>')
  .description('Ingest every complete file dropped into <dir> once, then move it to <dir>/done (refused ones to <dir>/failed)')
  .requiredOption('--system <id>', 'AI system that generated the logs')
  .option('--kind <kind>', 'artefact kind', 'ai-system-log')
  .option('--stable-ms <ms>', 'a file is complete once unchanged this long (or write it as *.part and rename)', '5000')
  .option('--interval-ms <ms>', 'time between scans', '1000')
  .option('--once', 'take what is complete now and exit')
  .action((dir: string, o: { system: string; kind?: string; stableMs: string; intervalMs: string; once?: boolean }) => commands.retention().logsWatch(dir, o));

const retention = program.command('retention').description('Retention policies, legal holds and purges');
retention
  .command('purge')
  .description('Purge artefacts past their maximum period and not held; tombstones record what went')
  .option('--dry-run', 'report what would be purged; change nothing')
  .option('--apply', 'purge')
  .option('--json', 'print the run report as JSON')
  .option('--chunk-size <n>', 'artefacts per hold check')
  .option('--pause-ms <ms>', 'pause between chunks, to spare the disk')
  .action((o: { dryRun?: boolean; apply?: boolean; json?: boolean; chunkSize?: string; pauseMs?: string }) => commands.retention().retentionPurge(o));

const incidents = program.command('incidents').description('Serious incidents and their reporting deadlines');
incidents
  .command('overdue')
  .description('List open incidents with a reporting deadline passed and not met; exit code 2 when there are any')
  .option('--json', 'print the incidents as JSON')
  .action(async (o: { json?: boolean }) => {
    process.exitCode = await commands.incidents().incidentsOverdue(o);
  });
incidents
  .command('recompute-deadlines')
  .description('Apply the current rulebook to open incidents computed with an older one (appends DeadlinesRecomputed, history stays)')
  .requiredOption('--reason <text>', 'what changed in the rulebook, recorded with every recomputation')
  .action(async (o: { reason: string }) => {
    process.exitCode = await commands.incidents().incidentsRecomputeDeadlines(o);
  });

program
  .command('keys')
  .description('Key management')
  .command('rotate-master')
  .description('Re-wrap every subject data key under a new master key (no event is re-encrypted)')
  .requiredOption('--new-key-file <file>', 'file with the new master key: 32 random bytes, base64 (e.g. openssl rand -base64 32)')
  .option('--new-key-id <id>', 'id for the new key; default derived from the key')
  .action((o: { newKeyFile: string; newKeyId?: string }) => commands.keys().rotateMasterKey(o));

const accessLog = program.command('access-log').description('The NEN 7513 access log: who read whose data');
accessLog
  .command('purge')
  .description('Delete entries recorded before a date at least five years ago, keeping the rest of the chain verifiable')
  .requiredOption('--before <date>', 'ISO date or time, e.g. 2020-01-01')
  .option('--reason <text>', 'why (recorded with the purge)')
  .action((o: { before: string; reason?: string }) => commands.accessLog().accessLogPurge(o));
accessLog
  .command('verify')
  .description("Recompute the access log's hash chain and check it against the hashes anchored in the event log")
  .action(() => commands.accessLog().accessLogVerify());
accessLog
  .command('anchor')
  .description("Record the access log's current head in the event log, where the ledger seals it (run from cron)")
  .action(() => commands.accessLog().accessLogAnchor());

program
  .command('docs')
  .description('Generated documentation')
  .command('roles')
  .description('Print (or write) the route-by-role matrix from the @Roles metadata the guard enforces')
  .option('--out <file>', 'write to this file, e.g. docs/roles.md')
  .action((o: { out?: string }) => commands.docs().docsRoles(o.out));

program
  .command('verify-bundle <zip>')
  .description('Check an evidence bundle offline: manifests, signature, every proof, completeness')
  .option('--sha256 <hex>', 'the bundle SHA-256 recorded at export (also checks the zip container bytes)')
  .option('--json', 'print the full report as JSON')
  .option('--trusted-key <file>', "pin the ledger key: the hospital's public key as PEM or JWK, obtained outside the bundle")
  .option('--trusted-keys <file>', 'pin the ledger keys of a JWK Set (e.g. a saved /.well-known/oversight-registry-keys)')
  .option('--trusted-tsa <pem>', "pin the time-stamping authority: the TSA's (or its CA's) certificate; the bundle's RFC 3161 anchors must chain to it")
  .option(
    '--trusted-witness <vkey>',
    'pin a witness (repeatable): its C2SP vkey (name+keyid+base64, type 0x04); only cosignatures by pinned witnesses count as anchors',
    (v: string, all: string[] = []) => [...all, v],
  )
  .action((zip: string, o: { sha256?: string; json?: boolean; trustedKey?: string; trustedKeys?: string; trustedTsa?: string; trustedWitness?: string[] }) =>
    commands.verifyBundle().verifyBundleCommand(zip, o),
  );

program
  .command('export-bundle')
  .description('Export the evidence bundle of a disclosure request to a file (recorded as an export)')
  .requiredOption('--request <id>', 'disclosure request id')
  .requiredOption('--out <file>', 'where to write the .zip')
  .requiredOption('--as <subject>', 'the user doing the export (recorded in the chain of custody)')
  .addOption(new Option('--role <role>', "that user's role; the API's rule applies (only legal may export)").choices([...ROLES]).makeOptionMandatory())
  .action((o: { request: string; out: string; as: string; role: string }) => commands.bundles().exportBundleCommand(o));

program
  .command('compliance-file <system>')
  .description("An AI system's compliance file as it stood on a date, provable against the ledger (a bundle; or its JSON or PDF alone)")
  .option('--as-of <date>', 'a date (the end of that day, Europe/Amsterdam) or an ISO 8601 instant; default now')
  .addOption(
    new Option('--format <format>', 'bundle: a zip registry verify-bundle checks; json or pdf: the file alone')
      .choices(['bundle', 'json', 'pdf'])
      .default('bundle'),
  )
  .requiredOption('--out <file>', 'where to write it')
  .requiredOption('--as <subject>', 'the user reading the file')
  .addOption(new Option('--role <role>', "that user's role; the API's rule applies").choices([...ROLES]).makeOptionMandatory())
  .action((system: string, o: { asOf?: string; format: 'bundle' | 'json' | 'pdf'; out: string; as: string; role: string }) =>
    commands.complianceFile().complianceFileCommand(system, o),
  );

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`registry: ${err.message}\n`);
  process.exit(1);
});
