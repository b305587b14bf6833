/**
 * A crash test's aim: with `FAILPOINTS=<name>[,<name>…]` in the environment, a process that
 * reaches the named point writes `failpoint <name> reached` to stderr and waits there for ever,
 * so the test can SIGKILL it exactly between two steps (test/reliability/crash-erasure). Without
 * that variable (production) it does nothing. Documented in docs/reliability.md.
 */
export async function failpoint(name: string): Promise<void> {
  if (!process.env.FAILPOINTS?.split(',').includes(name)) return;
  process.stderr.write(`failpoint ${name} reached\n`);
  await new Promise<never>(() => undefined);
}
