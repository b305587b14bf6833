#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { serve } from './commands/serve';
import { token } from './commands/token';
import { migrate } from './commands/migrate';
import { projectionsRebuild, projectionsStatus } from './commands/projections';
import { sealLedger, verifyLedger } from './commands/verify';

const ROLES = ['clinician', 'quality-manager', 'legal', 'auditor', 'admin'];

const program = new Command()
  .name('registry')
  .description('oversight-registry: evidence of human oversight, incidents, retention and disclosure for hospital AI')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP API (embedded SQLite under ./data unless DATABASE_URL is set)')
  .option('-p, --port <port>', 'port', process.env.PORT ?? '3000')
  .option('--host <host>', 'interface to listen on', process.env.HOST ?? '127.0.0.1')
  .action((o: { port: string; host: string }) => serve(Number(o.port), o.host));

program
  .command('token')
  .description('Mint a local bearer token (embedded mode) signed with the key in ./data/keys')
  .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
  .requiredOption('--sub <subject>', 'user id, e.g. an employee number')
  .option('--name <name>', 'display name')
  .option('--ttl <seconds>', 'lifetime in seconds', '28800')
  .action((o: { role: string; sub: string; name?: string; ttl: string }) => token(o));

program
  .command('migrate')
  .description('Apply the database migrations (or revert the last one)')
  .option('--revert', 'revert the most recent migration')
  .action((o: { revert?: boolean }) => migrate(Boolean(o.revert)));

const projections = program.command('projections').description('Read models built from the event log');
projections
  .command('rebuild <name>')
  .description('Rebuild a projection from position 0 into new tables, then swap them in (blue/green)')
  .action((name: string) => projectionsRebuild(name));
projections.command('status').description('Checkpoint and lag of every projection').action(() => projectionsStatus());
program
  .command('rebuild <name>')
  .description('Same as `projections rebuild <name>`')
  .action((name: string) => projectionsRebuild(name));

program
  .command('verify')
  .description('Check the whole ledger: every stored event against its sealed leaf, every signed tree head')
  .option('--json', 'print the full report as JSON')
  .action((o: { json?: boolean }) => verifyLedger(o));

program
  .command('ledger')
  .description('The tamper-evident ledger')
  .command('seal')
  .description('Seal every committed event and sign a tree head now')
  .action(() => sealLedger());

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`registry: ${err.message}\n`);
  process.exit(1);
});
