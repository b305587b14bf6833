import type { SignedTreeHead } from '../ledger/tree-head';

/** Instructions for the other side's expert: every check works with standard tools, offline. */
export function verifyMd(head: SignedTreeHead): string {
  return `# How to verify this evidence bundle

This bundle is a BagIt bag (RFC 8493). Unzip it, then run the checks below from the folder that
holds \`bagit.txt\`. None of them needs network access or this software; the last one uses it
as a convenience.

## 1. Nothing was changed after the bundle was made

    sha256sum -c tagmanifest-sha256.txt
    sha256sum -c manifest-sha256.txt

Every line must say OK. The manifests cover every file in \`data/\`.

## 2. The tree head is signed by the registry's ledger key

    openssl pkeyutl -verify -pubin -inkey data/public-key.pem -rawin \\
      -in data/checkpoint.json -sigfile data/checkpoint.sig

It must print \`Signature Verified Successfully\`. Compare the key with the one the hospital
publishes at \`/.well-known/oversight-registry-keys\` (key id \`${head.keyId}\`).

The signed tree head says: ${head.treeSize} events in the log at ${head.issuedAt},
Merkle root \`${head.rootHash}\`.

## 3. Every event is in that log, in that order

\`data/events.jsonl\` holds one event per line in RFC 8785 canonical JSON. For each line, remove
\`globalPosition\`, canonicalise, and compute the leaf hash \`SHA-256(0x00 || bytes)\` (RFC 9162
§2.1.1). \`data/proofs.jsonl\` holds, line by line, the inclusion proof of that leaf (RFC 9162
§2.1.3) in the tree of size ${head.treeSize}; any RFC 9162 / Certificate Transparency verifier
can check it against the signed root. Redacted values (PLD Art. 9(4)–(5)) appear as
\`{"$redacted": {"sha256": …}}\`: the proof then covers the original event, whose leaf hash is
given, and the SHA-256 of the withheld value lets it be checked if a court orders it produced.

## 4. Nothing in scope is missing

\`data/completeness.json\` repeats the scope (as in \`bag-info.txt\`) and lists every stream whose
events name a patient, AI system or incident of the scope up to the cut-off: why (\`matchedBy\`),
when its first event happened (\`firstAt\`), its last revision at the cut-off (\`headRevision\`)
and whether it is included. Check that:

- every included stream is in \`events.jsonl\` with revisions 0 to \`headRevision\`, no gaps, and
  its events themselves name what \`matchedBy\` says (so nothing was added that is out of scope,
  and no stream was cut short);
- every stream that is not included has its \`firstAt\` outside the period of the scope.

That the list names *every* stream in view is the registry's statement, not something this bundle
can prove by itself (an event you are not shown cannot be proven out of scope without showing it).
The statement is bound to this bundle: its SHA-256 is recorded in the registry's ledger
(\`disclosure.BundleExported\`), so an auditor with access to the full log can hold the hospital
to it.

## All at once

    registry verify-bundle <bundle.zip>

runs every check above and names the first file, line or position that fails.

## Who read the data

\`data/access-log.jsonl\` (present when patients are in scope) lists every recorded read, export
and download of those patients' data (NEN 7513): who, in which role, when, what, from where. Each
entry carries the hash of the one before it in the registry's access log.

## For people

\`data/report.html\` and \`data/report.pdf\` are a printable report with a timeline (English and Dutch labels).
\`data/timeline.csv\` / \`data/timeline.json\` hold the same reconstruction as data: for each
event, when it happened (business time) and when the registry recorded it.
`;
}
