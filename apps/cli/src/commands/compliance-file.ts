import { copyFileSync, writeFileSync } from 'node:fs';
import { complianceAsOf, type ComplianceFileFormat, ComplianceFileExports } from '@app/disclosure';
import { withAppContext } from '../app-context';

/** Who may read the compliance file (libs/compliance READERS): the same rule as the API's. */
export const COMPLIANCE_FILE_ROLES = ['admin', 'quality-manager', 'legal', 'auditor'] as const;

/**
 * `registry compliance-file <system> --as-of <date>`: the file as it stood then (issue 23 item 7,
 * ADR 0053): a verifiable bundle by default, or its JSON or PDF alone.
 */
export async function complianceFileCommand(
  aiSystemId: string,
  o: { asOf?: string; format: ComplianceFileFormat; out: string; as: string; role: string },
): Promise<void> {
  if (!(COMPLIANCE_FILE_ROLES as readonly string[]).includes(o.role)) {
    throw new Error(`--role ${o.role} may not read the compliance file (the API allows ${COMPLIANCE_FILE_ROLES.join(', ')})`);
  }
  const asOf = o.asOf === undefined ? new Date().toISOString() : complianceAsOf(o.asOf, new Date());
  if (asOf === null) throw new Error(`--as-of ${o.asOf}: not a date (YYYY-MM-DD) or an ISO 8601 instant`);
  await withAppContext(
    (app) =>
      app.get(ComplianceFileExports).export(aiSystemId, asOf, { subject: o.as, role: o.role }, ({ path, result }) => {
        if (o.format === 'json') writeFileSync(o.out, result.complianceFile!.json, { mode: 0o600 });
        else if (o.format === 'pdf') writeFileSync(o.out, result.complianceFile!.pdf, { mode: 0o600 });
        else copyFileSync(path, o.out);
        process.stdout.write(
          `Wrote ${o.out}: the compliance file of ${aiSystemId} as of ${asOf} (${o.format}); signed tree head of size ${result.treeSize}, root ${result.rootHash}` +
            `${o.format === 'bundle' ? `, bundle SHA-256 ${result.bundleSha256}; check it with: registry verify-bundle ${o.out}` : ''}\n`,
        );
      }),
    { ledger: false },
  );
}
