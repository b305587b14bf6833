import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '../ledger/canonical-json';
import type { SignedTreeHead } from '../ledger/tree-head';
import { anchorsByHand, anchorsRules } from './anchors';
import { witnessRules } from './witness-anchors';
import { type AccessLogExample, accessLogRules } from './access-log-proofs';
import { BUNDLE_LIMITS, TAG_FILES } from './bag-zip';
import { BUNDLE_STATEMENT, BUNDLE_STATEMENT_MEMBERS, BUNDLE_STATEMENT_SIG, BUNDLE_STATEMENT_VERSION } from './bundle-statement';
import { EVENTS_TABLE_HEAD, REPORT_ROWS } from './report-html';
import { DOCUMENTS_DIR } from './documents';
import { ASSESSMENT_NAMES } from '@app/compliance/fold';
import { COMPLIANCE_FILE_JSON, COMPLIANCE_FILE_PDF, COMPLIANCE_FILE_STATEMENT } from './compliance-file';
import { COVERAGE_FILE } from './coverage';
import { LEDGER_KEYS, TIME_FIELDS } from './scope';
import { COMMITTED_NAMES, committedPointers } from '../ledger/field-commitments';
import { formatTwoLeaf } from './field-redaction';
import { LABELS, NOT_PROVABLE, TEXT_COMMITMENT, TEXT_FIELDS, TIMELINE_COLUMNS } from './timeline';

/** The first event of the bundle and its proof line, exactly as written: the worked example. */
export interface VerifyExample {
  eventLine: string;
  proofLine: string;
  /** A leaf-format-2 line with committed members (one with a redacted member if any): B.10a's example. */
  formatTwo?: string;
  /** When B.10a's line has a redacted member (the salts form): a line in the seed form, B.10b's example. */
  formatTwoSeed?: string;
  /** The first opened text's plaintexts.jsonl line and the commitment in its event (B.12's example). */
  opened?: { line: string; commitment: string };
}

const MiB = 2 ** 20;
const size = (n: number) => (n >= 2 ** 30 ? `${n / 2 ** 30} GiB` : `${n / MiB} MiB`);

/**
 * Instructions for the other side's expert, and the specification a second, independent verifier
 * is written from: every rule `registry verify-bundle` applies is stated here (issue 22, item 9).
 * The example is computed from this bundle's own bytes; the tests recompute it from the text.
 */
export function verifyMd(head: SignedTreeHead, example?: VerifyExample, accessLog?: AccessLogExample): string {
  return `# How to verify this evidence bundle

This bundle is a BagIt bag (RFC 8493). Unzip it, then run the checks below from the folder that
holds \`bagit.txt\`. None of them needs network access or this software; the last one uses it
as a convenience. Part B states every rule exactly, for anyone writing a verifier of their own.

# A. With standard tools

## 1. Nothing was changed after the bundle was made

    sha256sum -c tagmanifest-sha256.txt
    sha256sum -c manifest-sha256.txt

Every line must say OK. The manifests cover every file in \`data/\`, but anyone can redo them:
what binds the files to the registry is the signed statement below.

## 2. The tree head is signed by the registry's ledger key

    openssl pkeyutl -verify -pubin -inkey data/public-key.pem -rawin \\
      -in data/checkpoint.json -sigfile data/checkpoint.sig

It must print \`Signature Verified Successfully\`. The same for the signed bundle statement
(B.14: the SHA-256 of every file in \`data/\`, the scope, the request, for this tree head):

    openssl pkeyutl -verify -pubin -inkey data/public-key.pem -rawin \\
      -in ${BUNDLE_STATEMENT} -sigfile ${BUNDLE_STATEMENT_SIG}
    jq -r '.payload[] | "\\(.sha256)  \\(.path)"' ${BUNDLE_STATEMENT} | sha256sum -c

Both signatures prove only that the key *shipped in this
bundle* made them: compare that key with one you hold from elsewhere, e.g. the hospital's
\`/.well-known/oversight-registry-keys\` saved before the dispute (key id \`${head.keyId}\`), or
let \`registry verify-bundle --trusted-keys <that file>\` do it.

The signed tree head says: ${head.treeSize} events in the log at ${head.issuedAt},
Merkle root \`${head.rootHash}\`.

## 3. Every event is in that log, in that order

\`data/events.jsonl\` holds one event per line; \`data/proofs.jsonl\` holds, line by line, the
RFC 9162 inclusion proof of that event's leaf in the tree of size ${head.treeSize}. B.4–B.6 say
how to recompute each leaf and fold its proof up to the signed root.

## 4. Nothing in scope is missing

\`data/completeness.json\` repeats the scope (as in \`bag-info.txt\`) and lists every stream whose
events name a patient, AI system or incident of the scope up to the cut-off: why (\`matchedBy\`),
when its first event happened (\`firstAt\`), its last revision at the cut-off (\`headRevision\`)
and whether it is included. Check that:

- every included stream is in \`events.jsonl\` with revisions 0 to \`headRevision\`, no gaps, and
  its events themselves name what \`matchedBy\` says (so nothing was added that is out of scope,
  and no stream was cut short);
- a stream is in view when its id or any of its events names a scope key: a member
  \`patientPseudonym(s)\`, \`aiSystemId(s)\` or \`incidentId(s)\` **at any depth** of its data, so a
  legal hold or a disclosure request whose \`scope\` names the patient is in view, and so is the
  patient's own stream of erasure decisions, \`data-subject-<pseudonym>\`, by its id (B.9);
- a period selects by **every** event: a stream is included when any one of its events happened
  in the period (so a correction inside the period brings in a review made before it); every
  included stream has such an event, and every stream not included has its \`firstAt\` outside
  the period (its other events are not shown, so that is all the bundle can show).

That the list names *every* stream in view is the registry's statement, not something this bundle
can prove by itself (an event you are not shown cannot be proven out of scope without showing it).
The registry signed it with its ledger key (\`${BUNDLE_STATEMENT}\` holds \`completeness.json\`'s
SHA-256, B.14), so nobody else can change it; and its SHA-256 is recorded in the registry's ledger
(\`disclosure.BundleExported\`), so an auditor with access to the full log can hold the hospital
to it.

${anchorsByHand()}## All at once

    registry verify-bundle <bundle.zip> [--trusted-key <pem|jwk>] [--trusted-keys <jwks>] [--trusted-tsa <pem>]

runs every check of part B and names each file, line or position that fails. Its verdict lists
what a passing bundle still rests on the hospital alone for.

# B. The rules, exactly

## B.1 The zip

A verifier refuses the whole bundle, before reading any content, when the zip:

- has more than ${BUNDLE_LIMITS.entries} entries;
- has an entry whose name is absolute (\`/…\`, \`C:…\`), contains a \`..\` segment or a backslash,
  ends in \`/\` (a directory), is a symbolic link or any non-regular file (Unix mode bits in the
  high 16 bits of the external attributes), is encrypted, or uses a compression method other
  than 0 (stored) or 8 (deflate);
- holds a name twice, also when two names differ only in letter case (after Unicode NFC);
- states, in its central directory, an uncompressed size over the limit for that file:
  ${size(BUNDLE_LIMITS.smallFileBytes)} for ${[...TAG_FILES, 'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem'].map((n) => `\`${n}\``).join(', ')};
  ${size(BUNDLE_LIMITS.completenessBytes)} for \`data/completeness.json\`; ${size(BUNDLE_LIMITS.entryBytes)} for any other file;
  ${size(BUNDLE_LIMITS.totalBytes)} for all entries together;
- has an entry over ${size(BUNDLE_LIMITS.ratioFloorBytes)} uncompressed whose uncompressed size is more than
  ${BUNDLE_LIMITS.ratio} times its compressed size.

While inflating, an entry that yields more bytes than its stated size (or its limit) is refused;
a line of a \`.jsonl\` file longer than ${size(BUNDLE_LIMITS.lineBytes)}, or not UTF-8, is refused.

## B.2 The bag

- The zip holds exactly the ${TAG_FILES.length} tag files ${TAG_FILES.map((n) => `\`${n}\``).join(', ')} (the signed
  statement and its signature are tag files, RFC 8493 §2.2.4, B.14) and the payload files listed
  in \`manifest-sha256.txt\`; any other entry is a failure. All of them are required.
- A manifest line is \`<SHA-256 of the file, 64 lower-case hex digits> <name>\` (one or two
  spaces; \`*\` before the name allowed). A payload name starts with \`data/\`, has no empty, \`.\`
  or \`..\` segment, no backslash and no control character, and appears once.
- \`tagmanifest-sha256.txt\` lists exactly ${TAG_FILES.filter((n) => n !== 'tagmanifest-sha256.txt')
    .map((n) => `\`${n}\``)
    .join(', ')},
  each with the SHA-256 of its bytes (one missing is a failure, as is any other name).
- Required: \`data/events.jsonl\`, \`data/proofs.jsonl\`, \`data/checkpoint.json\`,
  \`data/checkpoint.sig\`, \`data/public-key.pem\`, \`data/completeness.json\`.
- Also required (B.12): \`data/plaintexts.jsonl\`, \`data/timeline.json\`, \`data/timeline.csv\`,
  \`data/report.html\`; and (B.15) \`${COVERAGE_FILE}\`.
- \`bagit.txt\` has a line starting with \`BagIt-Version: 1.0\`.
- Text files are UTF-8 and split into lines at LF; a CR at the end of a line is dropped and empty
  lines are skipped (they are not counted when lines are numbered).
- A field of \`bag-info.txt\` is the first line \`<Label>: <value>\` (one space after the colon). A
  verifier reads three: \`Log-Positions\` (B.5), \`Scope\` (B.9) and \`Disclosure-Request-Id\` (B.8),
  and each must equal what the signed statement states (B.14). The others (\`Payload-Oxum\`,
  \`Event-Count\`, \`Tree-Size\`, \`Root-Hash\`…) are for people and are not checked.

## B.3 Canonical JSON (RFC 8785)

Every hash and signature input below is canonical JSON: object members sorted by the UTF-16 code
units of their names, no whitespace, strings and numbers written as ECMAScript's
\`JSON.stringify\` writes them (only \`"\`, \`\\\` and characters below U+0020 escaped, with
\`\\b \\f \\n \\r \\t\` where they exist and \`\\u00xx\` otherwise; everything else as UTF-8), a
member without a value left out. Each line of \`events.jsonl\` must already be in this form.

## B.4 Leaves

- Leaf bytes of an event = the canonical JSON of the event object **without its
  \`globalPosition\` member** (the only member removed). Because the line is canonical, this is the
  line with the text \`"globalPosition":<n>,\` deleted.
- **Leaf format 2** (a line with a top-level member \`leafFormat\`; its value must be 2): the leaf
  bytes are computed by B.4a below instead. Every other line is format 1 (the rule above).
- Leaf hash = SHA-256(0x00 ‖ leaf bytes); an interior node = SHA-256(0x01 ‖ left ‖ right); the
  tree over n leaves is RFC 9162 §2.1.1's (the left subtree holds the largest power of two
  smaller than n leaves).
- Line n of \`events.jsonl\` goes with line n of \`proofs.jsonl\`; the two files have the same
  number of lines. An event line is a JSON object with \`globalPosition\`, \`streamId\` and
  \`streamRevision\` (a line that names a member twice cannot be canonical).
- Leaves are numbered 0, 1, 2… in the log's global order; each line of \`proofs.jsonl\` is
  \`{"leafHash","leafIndex","position","proof","redacted","treeSize"}\` for the event on the same
  line of \`events.jsonl\`: \`position\` equals the event's \`globalPosition\`, \`leafHash\` equals the
  recomputed leaf hash, \`treeSize\` equals the signed tree size, and \`leafIndex\` strictly increases
  from line to line. \`proof\` is the list of sibling hashes (64 lower-case hex digits each), leaf
  to root. \`redacted\` is for people and is not checked (B.8 decides what is redacted).

## B.4a Leaf format 2: committed members (ADR 0039)

Events written since leaf format 2 hash, instead of every member that may be redacted, a salted
commitment to it. So a bundle can show such a member as its commitment alone and the leaf is
still recomputed; and a commitment cannot be tested against guesses without its 32-byte salt.

- **Committed members**: a member of the line's \`data\` or \`metadata\`, **at any depth** (inside
  nested objects and arrays, but not inside a member that is itself committed), whose name is one of
  ${COMMITTED_NAMES.map((n) => `\`${n}\``).join(', ')}, or whose name is longer than two characters and ends in \`By\`.
- Its **pointer** is its RFC 6901 JSON pointer in the line: \`/data/…\` or \`/metadata/…\`, each
  member name with \`~\` written \`~0\` and \`/\` written \`~1\`, each array element by its index
  from 0 (e.g. \`/data/scope/patientPseudonyms\`, \`/metadata/actor\`).
- The line has **exactly one** of two top-level members, \`seed\` or \`salts\` (both, or neither,
  fails). They give each committed member's 32-byte **salt**:
  - **\`seed\`** (a line with no redacted member): 64 lower-case hex digits, the event's 32-byte
    seed. The salt of the member at pointer p is

        salt(p) = HMAC-SHA256 (RFC 2104)( key = the 32 bytes of \`seed\`, message = UTF-8 of p )

    A line with \`seed\` must have **no** redacted member (fail otherwise): the seed gives the salt
    of every pointer, so a line that shows it hides nothing.
  - **\`salts\`**: an object whose member names are pointers and whose values are 64 lower-case
    hex digits (32 bytes), the salt of the member at that pointer. Every member of \`salts\` must
    be the pointer of an opened committed member (fail otherwise), and each opened member must
    have one.
- A committed member is **redacted** when its value is exactly
  \`{"$redacted":{"commitment":<64 lower-case hex digits>,"ground":<text>}}\` (an object with a member
  \`$redacted\` of any other shape fails); its commitment is that \`commitment\`, and \`salts\` must not
  name its pointer. Otherwise it is **opened**, and its commitment is

      commitment = SHA-256( salt ‖ UTF-8 of the canonical JSON (B.3) of the member's value )

  in lower-case hex, salt being the 32 bytes of its salt (from \`salts\`, or derived from \`seed\`).
- \`metadata\` has no member \`commitmentSeed\` (fail otherwise).
- **Leaf bytes** = the canonical JSON of the line without \`globalPosition\`, \`seed\` and \`salts\`,
  with every committed member's value replaced by \`{"$commitment":<its commitment>}\` (and
  \`leafFormat\` kept: no format-1 event has such a member, so the two formats never give the same
  bytes). A wrong \`seed\` gives wrong salts and so a leaf that is not the signed one.
- A redacted member must be named by the bundle's redaction decision (B.8).

## B.5 Positions

\`bag-info.txt\` states \`Log-Positions: gap-free\` or \`Log-Positions: sparse\`, as the signed
statement's \`logPositions\` does (B.14; absent differs from it, so it fails). On a gap-free log (the registry's SQL stores) **leaf index = globalPosition − 1**, so a
relabelled position fails. On a sparse log (KurrentDB: positions are byte offsets) positions must
only increase with the leaf index: they are then labels, not bound to the tree.

## B.6 Inclusion (RFC 9162 §2.1.3.2)

Fail unless leafIndex < treeSize. Start with r = the leaf hash, fn = leafIndex, sn = treeSize − 1. For each proof hash p, in order:
fail if sn = 0; if fn is odd or fn = sn, set r = SHA-256(0x01 ‖ p ‖ r) and then, while fn is even
and not 0, halve fn and sn (integer division); otherwise set r = SHA-256(0x01 ‖ r ‖ p). Then halve
fn and sn. At the end sn must be 0 and r must equal \`rootHash\`.

## B.7 The signed tree head

- \`data/checkpoint.json\` is exactly the canonical JSON of
  \`{"issuedAt","keyId","log","rootHash","treeSize"}\`; those bytes are signed. \`issuedAt\`, \`keyId\`
  and \`log\` are strings, \`rootHash\` 64 lower-case hex digits, \`treeSize\` an integer ≥ 0.
- \`data/checkpoint.sig\` is the raw 64-byte Ed25519 signature (RFC 8032) over them, by the key in
  \`data/public-key.pem\` (SubjectPublicKeyInfo PEM, Ed25519 only).
- \`keyId\` is that key's RFC 7638 JWK thumbprint: the unpadded base64url SHA-256 of
  \`{"crv":"Ed25519","kty":"OKP","x":"<x>"}\`, x being the unpadded base64url of the raw 32-byte
  public key.
- Without a key obtained elsewhere (pinned), the signature proves only that whoever made the
  bundle held the key it ships.

## B.8 Redacted members and withheld events

**A redacted member of a format-2 line** (B.4a) binds to the **last** proven event of
\`events.jsonl\` with \`type\` \`disclosure.RedactionsDecided\` whose \`data.requestId\` is bag-info.txt's
\`Disclosure-Request-Id\` (the redaction decision, itself a recomputed leaf). Its \`data.redactions\`
lists \`{eventId, path, ground, …}\`; a \`path\` that starts with neither \`/data/\` nor \`/metadata/\` is
read as \`/data\` followed by the path. The rules for a redacted member of event E at pointer p are
those with \`eventId\` E whose path is p or starts with p followed by \`/\`. Fail unless there is at
least one, and the marker's \`ground\` equals their grounds: each once, sorted by code units, joined
with \`, \`. The rest of the event is proven as any other (its leaf is recomputed); the member's
value is not in the bundle, and its salt is not either.

**A withheld event**: an event of leaf format 1 that is redacted, or one of format 2 with a
redaction path that is not at or under a committed member, is withheld whole: its line is exactly the canonical JSON of
\`{"$withheld":{"eventId":<id>,"ground":<grounds>},"globalPosition","streamId","streamRevision"}\`
(a line with a top-level member \`$withheld\` and any other members, or other members inside it,
fails). Nothing of its content is in the bundle, so there is no value to guess. Its leaf hash is
taken from its line of \`proofs.jsonl\` and proven to be in the tree; it is counted as withheld,
never as proven. Every other line's leaf is recomputed (B.4), whatever it contains.

What binds a withheld line: the **last** proven event of \`events.jsonl\` with \`type\`
\`disclosure.RedactionsDecided\` whose \`data.requestId\` is bag-info.txt's
\`Disclosure-Request-Id\` (the redaction decision, itself a recomputed leaf). Its
\`data.redactions\` lists \`{eventId, ground, …}\`. Fail unless that decision exists and names
the withheld line's \`eventId\`, and \`ground\` equals the grounds the decision gives that event:
each once, sorted by code units, joined with \`, \`. Fail if an \`eventId\` is withheld twice. Which
leaf a withheld event occupies rests on the registry (its content is not shown to bind it).

## B.9 Completeness

\`data/completeness.json\` is a JSON object with \`scope\`, \`treeSize\` and \`streams\`; its other
members (\`statement\`, \`cutoffPosition\`) and the stream members not named below (\`events\`,
\`firstRevision\`, \`lastRevision\`, \`contiguous\`) are for people and are not checked.

- \`scope\` is \`{"patientPseudonyms":[…],"aiSystemIds":[…],"incidentIds":[…],"from","to"}\` (three
  lists of strings; \`from\`/\`to\` an ISO 8601 time or null). Its canonical JSON equals that of the
  \`Scope\` field of \`bag-info.txt\`. \`treeSize\` equals the signed one.
- **Scope keys**: \`patient:<p>\` for each p of \`patientPseudonyms\`, \`aiSystem:<id>\` for each of
  \`aiSystemIds\`, \`incident:<id>\` for each of \`incidentIds\`.
- **What an event names**: the scope keys among \`patient:<v>\`, \`aiSystem:<v>\` and \`incident:<v>\`
  for every member named \`patientPseudonym\` or \`patientPseudonyms\` (patient),
  \`aiSystemId\` or \`aiSystemIds\` (AI system), \`incidentId\` or \`incidentIds\` (incident) **at
  any depth** of \`data\` (inside nested objects and arrays too, e.g. a legal hold's or a
  disclosure request's \`data.scope.patientPseudonyms\`): v is the member's value when it is a
  string, or each string element when it is an array. Other values (null, numbers, a redaction
  marker) name nothing. No other member names anything.
- **\`matchedBy\`** of a stream: the sorted set of scope keys that its id or any of its events up to
  the cut-off names; \`${LEDGER_KEYS}\` for the key stream.
- **What a stream id names**: \`${LEDGER_KEYS}\` names the key \`${LEDGER_KEYS}\` (the ledger's signing keys, in
  every bundle); \`ai-system-<id>\` names \`aiSystem:<id>\`, \`incident-<id>\` names \`incident:<id>\` and
  \`data-subject-<p>\` (a patient's erasure decisions) names \`patient:<p>\`, when that id or pseudonym is
  in the scope.
- **Business time** of an event: the first of these members of \`data\` that is a string:
  ${TIME_FIELDS.map((f) => `\`${f}\``).join(', ')}; else the first member of \`data\`, in the line's order, whose name
  ends in \`At\` and whose value is a string; else the event's \`recordedAt\`.
- **The period**: a time t is in it when (\`from\` is null or t ≥ \`from\`) and (\`to\` is null or
  t ≤ \`to\`), comparing the strings character by character; both ends are included.

For every stream with events in \`events.jsonl\` (its events in file order):

- \`streams\` lists it (each \`streamId\` at most once) with \`"included": true\`;
- its \`streamRevision\`s are 0, 1, 2… with no gap, and the last is its \`headRevision\`;
- what its id and its events name (N) is not empty, and N equals the set \`matchedBy\`; when one
  of its lines is withheld or has a redacted member (B.8), N need only be a subset of \`matchedBy\`
  and may be empty (what was redacted may be what named the scope), and a withheld line names nothing;
- its \`firstAt\` equals the business time of its first event (not checked when that line is withheld);
- except for the **streams in every bundle** (\`${LEDGER_KEYS}\`; \`ai-system-<id>\` for each \`id\` of
  \`aiSystemIds\`: an AI system's own stream, whose review limits B.15 needs whenever they were set;
  and a **compliance file**, a stream whose id begins \`compliance-file-\` and whose N holds an
  \`aiSystem:\` key: it is carried whole, B.16) and streams with a withheld line or a redacted member,
  the business time of **at least one** of its events is in the period (the period selects a stream
  by any of its events, not by its first).

For every entry of \`streams\`: if \`included\` is true the stream has events in \`events.jsonl\`;
otherwise it is not one of the streams in every bundle (for a compliance file: its \`matchedBy\` holds
no \`aiSystem:\` key) and its \`firstAt\` is not in the period (a missing \`firstAt\` is in a period
without bounds).
${example ? workedExample(head, example) : ''}${example?.formatTwo ? formatTwoExample(example.formatTwo, 'B.10a') : ''}${example?.formatTwoSeed ? formatTwoExample(example.formatTwoSeed, 'B.10b') : ''}${anchorsRules()}${witnessRules()}${textsSection()}${example?.opened ? openedExample(example.opened) : ''}${statementSection()}${coverageSection()}${documentsSection()}${complianceFileSection()}
${accessLogRules(accessLog)}
## For people

\`data/report.html\` and \`data/report.pdf\` are a printable report with a timeline (English and Dutch labels).
\`data/timeline.csv\` / \`data/timeline.json\` hold the same reconstruction as data: for each
event, when it happened (business time) and when the registry recorded it. B.12 derives the
timeline files and report.html's events table from the proven events, so an edited line fails;
report.pdf and the rest of report.html are not checked. \`data/coverage.json\` says which AI outputs
a person reviewed, by whom and how quickly, or not (B.15 derives it too).
`;
}

/** B.15: coverage of oversight, derived from the shown events (issue 25). */
function coverageSection(): string {
  return `
## B.15 Coverage of oversight (\`${COVERAGE_FILE}\`)

Of the AI outputs received by feed that the bundle holds: which a person reviewed, by whom, how
quickly, and which not. A verifier derives the file from the lines of \`events.jsonl\` and compares
bytes; it is never taken as given.

**Times.** An ISO time here is a string that is, whole, \`YYYY-MM-DD\` optionally followed by
\`Thh:mm\`, \`:ss\`, \`.<digits>\` and then \`Z\` or \`±hh:mm\` (the zone required after a time), ASCII digits only,
a real calendar date (year ≥ 1), hh ≤ 23, mm ≤ 59, ss ≤ 59. Its value is whole milliseconds since
1970-01-01T00:00:00Z: a date alone is UTC midnight, the fraction's first three digits (padded with
0) are milliseconds, the rest is dropped, and the zone offset is subtracted.

**As of** (\`asOf\`): the signed tree head's \`issuedAt\`; but the scope's \`to\` (B.9) when it is an
ISO time and \`issuedAt\` is not one or is later (a review decided after the period is not in the bundle). It is
written as that string, unchanged. Below, "by asOf" means: an ISO time whose value is ≤ asOf's.

**Read**, in the order of \`events.jsonl\`, every line that is not withheld (B.8); a withheld
line only adds 1 to \`withheldEvents\`. Of a line, \`data\` must be an object (else it is skipped),
and "a string" means a JSON string:

- \`type\` \`oversight.AiOutputProduced\` with \`aiSystemId\`, \`modelVersion\`, \`outputReference\`
  strings and \`producedAt\` an ISO time: an **output**. Its ward as shown: \`[redacted: <ground>]\`
  when \`data.ward\` is a redaction marker (B.4a), else \`data.ward\` when that is a string, else null.
- \`type\` \`ai-systems.OutputReviewLimitSet\` with \`aiSystemId\` a string and \`setAt\` an ISO time by
  asOf: that system's **limit** becomes \`limitMinutes\` when that is a JSON number with an integral
  value from 1 to 10080 (\`5\` and \`5.0\` alike), else (null: back to the registry's default, which is
  configuration and not an event; or anything else) **not known**. A later line overrides an earlier one.
- A withheld line whose \`streamId\` is \`ai-system-<id>\`: the limit of system \`<id>\` becomes not
  known (the line may have changed it); a later limit line overrides this too. A system with no
  limit line has its limit not known.
- \`type\` \`oversight.AiOutputReviewed\` with \`reviewId\` a string not already taken by an earlier
  review, \`aiSystemId\`, \`outputReference\`, \`decision\` strings and \`decidedAt\` an ISO time by
  asOf: a **review** of the outputs with the same \`aiSystemId\` and \`outputReference\` (equal
  strings). Its reviewer as shown: \`[redacted: <ground>]\` when \`data.reviewer\` is a redaction
  marker (B.4a), else \`data.reviewer.subject\` when that is a string, else \`""\`.
- \`type\` \`oversight.ReviewCorrected\` whose \`reviewId\` is a review's, with \`decision\` a string
  and \`correctedAt\` an ISO time by asOf: that review's decision becomes this \`decision\`.
- \`type\` \`oversight.ReviewWithdrawn\` whose \`reviewId\` is a review's, with \`withdrawnAt\` an ISO
  time by asOf: that review is withdrawn.

**Per output**: its first review is, of its reviews not withdrawn, the one with the smallest
\`decidedAt\` value (on equal values the earlier line). Time to review =
max(0, decidedAt − producedAt) in milliseconds. **Minutes** of a number of milliseconds m:
floor((m + 3000) / 6000) / 10, i.e. rounded half up to a tenth of a minute, computed on integers.

**Overdue** (as the registry's alert counts it): a reviewed output is not overdue (\`false\`); an
output not reviewed is overdue (\`true\`) when asOf − producedAt > L × 60000 milliseconds, L its
system's limit, else \`false\`; and \`null\` when the limit is not known or asOf is not an ISO time.
The **overdue count** of a set of outputs is how many are \`true\`, or null when any is \`null\`.

**\`${COVERAGE_FILE}\`** is exactly the canonical JSON (B.3) of the object below, then one LF:

- \`asOf\`; \`withheldEvents\`;
- \`outputs\`: one object per output, in the order of \`events.jsonl\`: \`position\` (its
  \`globalPosition\`), \`aiSystemId\`, \`modelVersion\`, \`outputReference\`, \`producedAt\` (as in the
  event), \`ward\` (as shown), \`overdue\`; reviewed: \`firstReviewAt\` (its first review's \`decidedAt\` string), \`reviewer\` (as
  shown), \`decision\` (as corrected), \`minutesToReview\`, \`status\` \`"reviewed"\`; not reviewed:
  those four null and \`status\` \`"not reviewed as of <asOf>"\`;
- \`systems\`: one object per distinct (\`aiSystemId\`, \`modelVersion\`) of the outputs, sorted by
  \`aiSystemId\` then \`modelVersion\` in UTF-16 code-unit order: those two, \`produced\`, \`reviewed\`,
  \`unreviewed\` (counts of its outputs), \`overridden\` (reviewed, with decision \`rejected\` or
  \`modified\`), \`overdue\` (the overdue count of its outputs), \`limitMinutes\` (the system's limit,
  null when not known), and \`medianMinutesToReview\`, \`p90MinutesToReview\`: with the times to review of its
  reviewed outputs sorted ascending, t₁ ≤ … ≤ tₙ, the median is the minutes of t at rank
  ceil(5n / 10) and p90 at rank ceil(9n / 10) (nearest rank, 1-based); null when n = 0. Numbers
  are written as B.3 says (\`12\`, \`0.5\`).
- \`wards\`: one object per distinct (\`aiSystemId\`, ward as shown) of the outputs, sorted by
  \`aiSystemId\` in UTF-16 code-unit order, then a ward of null first, then by ward in that order:
  \`aiSystemId\`, \`ward\`, and \`produced\`, \`reviewed\`, \`unreviewed\`, \`overridden\`, \`overdue\`,
  \`medianMinutesToReview\`, \`p90MinutesToReview\` of its outputs (all model versions), as above.

What it rests on: coverage counts only what the bundle shows. A withheld line may be a review
(its output then shows as not reviewed; \`withheldEvents\` says how many lines were withheld),
outputs that never came by feed are not in it, and that every output of the scope is in the
bundle is the completeness statement's claim (B.9), not more. Overdue counts rest on the limits
the bundle shows: a system in scope brings its own stream (B.9), but a bundle scoped by patient
alone holds no limits (its overdue figures are null), and the registry-wide default limit is never
used (it is configuration, not an event).
`;
}

/** B.16: the compliance file's documents (issue 23 item 3). */
function documentsSection(): string {
  return `
## B.16 Documents of the compliance file (\`${DOCUMENTS_DIR}\`)

The supplier's papers the hospital holds for an AI system in scope (CE certificate, EU declaration
of conformity, instructions for use per version, contract, processing agreement, service levels,
security commitments), each exactly as uploaded, as \`${DOCUMENTS_DIR}<sha256>\`. Each is listed in
the manifests like any payload file; this rule ties it to the event that recorded the upload.

**Read**, in the order of \`events.jsonl\`, every line that is not withheld (B.8) whose \`data\` is an
object with \`documentId\` a string:

- \`type\` \`compliance.DocumentRecorded\` with \`sha256\` a string, \`sizeBytes\` a whole number ≥ 0 and
  \`validFrom\` a date \`YYYY-MM-DD\`: the document \`documentId\` records that content with that size;
  it holds from \`validFrom\` to \`validUntil\` when that is a date \`YYYY-MM-DD\`, else without end.
- \`type\` \`compliance.DocumentSuperseded\` or \`compliance.DocumentWithdrawn\` with \`effectiveOn\` a date
  \`YYYY-MM-DD\`, of a document read before: it no longer holds from that day (its last day is the day before).

A document's **last day** is the earliest of its \`validUntil\` and those days before; none: it has no end.
Dates compare as strings. The **days of the period**: the dates in Europe/Amsterdam (IANA time zone
database) of the scope's \`from\` and \`to\` (B.9), each open when null.

**Check**:

1. Every payload file under \`${DOCUMENTS_DIR}\` is named by 64 lower-case hex digits, its bytes'
   SHA-256 is that name, and a \`compliance.DocumentRecorded\` line read above records that
   \`sha256\` with \`sizeBytes\` equal to the file's size.
2. Every document read above whose last day is not before its \`validFrom\` (withdrawn from its first
   day: it never held), whose \`validFrom\` is not after the period's last day, and whose last day is
   not before the period's first day, has its file \`${DOCUMENTS_DIR}<sha256>\` in the bundle.

What it rests on: that the content under a hash is the one the hospital received from its supplier
is the uploader's statement (their subject and role are in the event); the bundle proves that it
is the content recorded on that day, unchanged since.
`;
}

/** B.18: the compliance file as of a moment, rule by rule (issue 23 item 7, ADR 0053). */
function complianceFileSection(): string {
  const name = (kind: keyof typeof ASSESSMENT_NAMES) => `\`${String(kind)}\` → "${ASSESSMENT_NAMES[kind]}"`;
  return `
## B.18 The compliance file as of a moment (\`${COMPLIANCE_FILE_JSON}\`)

Only in a compliance-file export (\`registry compliance-file\`, \`GET /ai-systems/{id}/compliance-file\`):
the compliance file of one AI system as the registry knew it at a moment, and
\`${COMPLIANCE_FILE_PDF}\`, the same for people. Such a bundle's scope names that one system and
an empty period (\`from\` is the moment, \`to\` one millisecond before it), so by B.9 it holds the
system's own stream \`ai-system-<id>\`, its compliance file \`compliance-file-<id>\` and the ledger's
keys, whole, and no review and no patient; B.16 brings the documents in force on that day. A
verifier derives the file from the proven events by the rules below and compares bytes; it is
never taken as given. The registry's own verifier runs \`complianceViewFromEvents\`
(\`libs/compliance\`); the second verifier (test/verifier-py) was written from this section.

**The line.** \`${COMPLIANCE_FILE_JSON}\` is exactly the canonical JSON (B.3) of the object below,
then one LF:

- \`statement\`: exactly \`${JSON.stringify(COMPLIANCE_FILE_STATEMENT)}\`;
- \`aiSystemId\`: a string, one of the scope's \`aiSystemIds\` (B.9); \`<id>\` below;
- \`asOf\`: the moment, a string of exactly the form \`YYYY-MM-DDTHH:mm:ss.sssZ\` (UTC, three digits of
  milliseconds, as JavaScript's \`Date.prototype.toISOString\` writes) naming a real instant. Its **day**
  is its date in Europe/Amsterdam (IANA time zone database), \`YYYY-MM-DD\`;
- \`file\`: the object derived below.

**Check**: \`aiSystemId\` and \`asOf\` are as said; no line of \`ai-system-<id>\` or
\`compliance-file-<id>\` is withheld (B.8); the system is registered by \`asOf\` (below); and the
bytes of \`${COMPLIANCE_FILE_JSON}\` are exactly those of the derivation. Any other outcome is a failure.

**Instants and dates.** The instants in these events (\`recordedAt\`, \`validFrom\`, \`validUntil\`,
\`withdrawnAt\`, \`nextReviewAt\` of a competence record or assessment) are ISO times (B.15), written by the
registry in \`asOf\`'s form; "before", "after", "at or before" compare their values (whole
milliseconds, B.15), never their text. Dates \`YYYY-MM-DD\` compare as strings; "the day before" a
date is the calendar day before it.

**Read**, in the order of \`events.jsonl\`, the lines whose \`streamId\` is \`ai-system-<id>\` or
\`compliance-file-<id>\` and whose \`recordedAt\` is at or before \`asOf\` (what the registry knew
then: system time, not the business dates inside the events). Of a line only \`type\` and \`data\`
are read. A value taken "from \`data\`" is the JSON value as it stands in the line, an object with
**all** its members (including any not named here), and a member added below replaces one of the
same name. A line of a \`type\` not named below changes nothing.

**The system**, from \`ai-system-<id>\`:

- \`ai-systems.AiSystemRegistered\`: the system is **registered** (again from scratch when there
  are two); its **registered class** is \`data.aiActRiskClass\`, its **listed overseers**
  \`data.oversightPersons\` (a list of strings; an empty list when the member is absent or null), its
  **version** \`data.version\`.
- \`ai-systems.AiSystemVersionChanged\` after a registration: the version becomes \`data.version\`.

Not registered by \`asOf\`: there is no file to derive, a failure.

**The file's state**, from \`compliance-file-<id>\`, starting with no classification, no
modification, role null, no policy, and no record, assessment, document or statement:

- \`compliance.SystemClassified\`: \`data\` is appended to the **classifications**; the **role**
  becomes \`data.role\`.
- \`compliance.ModificationAssessed\`: \`data\` is appended to the **modifications**; when
  \`data.becomesProvider\` is true the role becomes \`"provider"\` (else it stays).
- \`compliance.CompetencePolicySet\`: the **policy** becomes \`data.policy\`, set by \`data.setBy.subject\`.
- \`compliance.CompetenceRecorded\`: a **record**, \`data\` with \`withdrawnAt\` null, is appended.
- \`compliance.CompetenceWithdrawn\`: every record read so far whose \`person\` equals \`data.person\`
  and whose \`withdrawnAt\` is null gets \`withdrawnAt\` = \`data.withdrawnAt\`. Records appended later
  are not touched.
- \`compliance.AssessmentRecorded\`: the **assessment** of kind \`data.kind\` becomes \`data\`, replacing
  the one before of that kind, which keeps the place where its kind first came.
- \`compliance.DocumentRecorded\`: a **document**, \`data\` with \`supersededBy\`, \`supersededOn\` and
  \`withdrawal\` null, is appended.
- \`compliance.DocumentSuperseded\`: the document whose \`documentId\` equals \`data.documentId\` gets
  \`supersededBy\` = \`data.supersededBy\` and \`supersededOn\` = \`data.effectiveOn\`.
- \`compliance.DocumentWithdrawn\`: the document whose \`documentId\` equals \`data.documentId\` gets
  \`withdrawal\` = \`data\` without its members \`aiSystemId\` and \`documentId\`.
- \`compliance.InformationDutyRecorded\`: the **statement** of basis \`data.basis\` becomes \`data\`,
  with the same place rule as assessments.

"Appended" puts it last; lists keep that order. A later line replaces what an earlier one set.

**The file** is an object with exactly these members, each always present (null or \`[]\` when there
is nothing), written by B.3 (members sorted, numbers such as \`sizeBytes\` as B.3 writes them):

- \`aiSystemId\`, \`asOf\`: those of the line.
- \`classification\`: the last classification; null when there is none. Call it C.
- \`classificationHistory\`: the classifications in order.
- \`role\`: the role (the registry's rule: the latest line decides, so a classification after an
  Art. 25(1) assessment sets its own role again; null until a classification or an assessment that
  made the hospital provider).
- \`modifications\`: the modifications in order.
- \`prohibited\`: when there is a C: \`classified as a prohibited AI practice (<point>) on <decidedOn> by
  <subject>\` when C's \`aiActRiskClass\` is \`"prohibited"\` (\`<point>\` C's \`legalGroundPoint\`, or
  \`AI Act Art. 5\` when that is null or absent; \`<decidedOn>\` C's \`decidedOn\`; \`<subject>\` C's
  \`decidedBy.subject\`), else null. When there is none: \`registered as a prohibited AI practice (AI Act
  Art. 5)\` when the registered class is \`"prohibited"\`, else null.
- \`competence\`, an object with exactly:
  - \`policy\`: the policy; \`"not-checked"\` when none was set;
  - \`checked\`: \`policy\` is not \`"not-checked"\`;
  - \`policySetBy\`: the subject the policy was set by; null when none was set;
  - \`records\`: the records in order, each with \`status\`: \`"withdrawn"\` when its \`withdrawnAt\` is not
    null and at or before \`asOf\`; else \`"not-yet-valid"\` when \`asOf\` is before its \`validFrom\`; else
    \`"lapsed"\` when its \`validUntil\` is not null and \`asOf\` is after it; else \`"current"\`. (The
    registry writes \`validFrom\` as the first and \`validUntil\` as the last millisecond, in Amsterdam, of
    \`completedOn\` and \`expiresOn\`: the instants decide, not the dates.)
  - \`overseers\`: one \`{"person", "listedAtRegistration", "authorised"}\` per person: the listed
    overseers in their order, then the \`person\` of each record in order, each person once, at its
    first place. \`listedAtRegistration\`: the person is a listed overseer; \`authorised\`: a record of
    that person has \`status\` \`"current"\`.
- \`assessments\`: the assessment of each kind (in the order its kind first came), each with
  \`overdue\`: true when its \`status\` is not \`"not-required"\`, its \`nextReviewAt\` is not null and
  \`nextReviewAt\` is before \`asOf\`; else false. (\`nextReviewAt\` is the last millisecond of
  \`nextReviewOn\` in Amsterdam: an assessment is overdue from the day after its review date.)
- \`documents\`: the documents in order, each with \`lastValidDay\` and \`status\` on the day D of \`asOf\`:
  - \`lastValidDay\`: the earliest (as strings) of its \`validUntil\` when that is a string, the day
    before \`supersededOn\` when that is not null, and the day before \`withdrawal.effectiveOn\` when
    \`withdrawal\` is not null; null when there is none of these (it holds without end);
  - \`status\`: \`"not-yet-valid"\` when D is before \`validFrom\`; else \`"valid"\` when \`lastValidDay\` is
    null or D is not after it; else \`"withdrawn"\` when \`withdrawal\` is not null and D is not before
    its \`effectiveOn\`; else \`"superseded"\` when \`supersededOn\` is not null and D is not before it;
    else \`"expired"\`. (Withdrawn from its first day, \`lastValidDay\` is before \`validFrom\`: it never held.)
- \`informationDuties\`: the statement of each basis, in the order its basis first came.
- \`missing\`: a list of strings, in exactly this order, each line when its condition holds. V is the
  version (the line about it only when V is a non-empty string); "valid" documents are those whose
  \`status\` above is \`"valid"\`; "a statement of B" one of basis B. The names of assessment kinds:
  ${name('fria')}, ${name('dpia')}, ${name('risk-analysis')}.
  1. no C: \`No classification recorded: role and risk class (AI Act Art. 6, Art. 25)\`;
  2. C, V, C's \`fromVersion\` is not V and no modification's \`version\` is V: \`Version <V> is in use
     since the classification (of <C's fromVersion>): assess it as a possible substantial modification
     (AI Act Art. 25(1)(b))\`;
  3. \`policy\` is \`"not-checked"\`: \`Competence not checked: no competence policy set for reviews (AI Act
     Art. 26(2))\`;
  4. for each overseer in order with \`listedAtRegistration\` true and \`authorised\` false: \`<person> is
     listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))\`;
  5. no overseer is \`authorised\` (also when there is no overseer): \`Nobody holds a current
     competence record for this system (AI Act Art. 26(2))\`;
  6. for each assessment in order with \`overdue\` true: \`<name of its kind>: review was due on
     <its nextReviewOn>\`;
  7. C's \`aiActRiskClass\` is \`"high"\`: for \`fria\`, then \`dpia\`, when there is no assessment of that
     kind: \`<name of the kind>: not recorded for a high-risk system (record it, or that it is not
     required)\`;
  8. C's class high, V, and no valid document of \`kind\` \`"instructions-for-use"\` with \`modelVersion\` V:
     \`No instructions for use in force for version <V> (AI Act Art. 26(1))\`;
  9. C's class high and no valid document of \`kind\` \`"eu-declaration-of-conformity"\`: \`No EU
     declaration of conformity in force (AI Act Art. 47)\`;
  10. C's class high and no statement of \`aiact-26-7\`: \`Workers not informed before use: no statement
      recorded (AI Act Art. 26(7))\`;
  11. C's class high, C's \`legalGround\` \`"annex-iii"\` and no statement of \`aiact-26-11\`: \`Persons
      subject to its decisions not informed: no statement recorded (AI Act Art. 26(11))\`;
  12. C's class high and no statement of \`gdpr-13\` nor of \`gdpr-14\`: \`Patients not informed of the
      processing: no statement recorded (GDPR Art. 13 or 14)\`;
  13. C's \`legalGround\` is \`"art-50"\` and no statement of \`aiact-50\`: \`Persons concerned not informed:
      no statement recorded (AI Act Art. 50)\`.

  \`<…>\` stands for the value's text; each line is one string, its words separated by single spaces.

What it rests on: the events are proven like every other; what the file concludes from them
(overdue, missing, a document's status) is the registry's rules above, open source and run again
by both verifiers. Which lines the law asks for, and from when, is the hospital's judgement
recorded in docs/compliance.md, not something a verifier checks. The PDF is a rendering of the same
file with the tree head it was exported under; it is not checked.
`;
}

/** B.14: the signed bundle statement. */
function statementSection(): string {
  return `
## B.14 The signed bundle statement (${BUNDLE_STATEMENT_VERSION})

The manifests bind each file to a hash, but anyone can redo them. What binds the bundle's files to
the registry is \`${BUNDLE_STATEMENT}\`, signed at export with the ledger key that signed the tree
head. It is a tag file at the bag root (RFC 8493 §2.2.4), not payload: it lists the payload's
SHA-256 and \`tagmanifest-sha256.txt\` lists its own, so no hash covers itself.

- \`${BUNDLE_STATEMENT}\` is exactly the canonical JSON (B.3) of an object with exactly the members
  ${BUNDLE_STATEMENT_MEMBERS.map((m) => `\`${m}\``).join(', ')}:
  - \`version\`: \`"${BUNDLE_STATEMENT_VERSION}"\`;
  - \`statement\`: a string for people (not checked);
  - \`checkpointSha256\`: the SHA-256, 64 lower-case hex digits, of the bytes of \`data/checkpoint.json\`;
  - \`treeSize\`, \`rootHash\`, \`keyId\`: equal to those of \`data/checkpoint.json\`;
  - \`disclosureRequestId\`: equal to bag-info.txt's \`Disclosure-Request-Id\`;
  - \`scope\`: its canonical JSON equals that of bag-info.txt's \`Scope\` (and so of completeness.json's, B.9);
  - \`logPositions\`: \`"gap-free"\` or \`"sparse"\`, equal to bag-info.txt's \`Log-Positions\` (B.5);
  - \`eventCount\`: the number of lines of \`data/events.jsonl\` (B.2's line rules);
  - \`payload\`: a list of \`{"path","sha256"}\` objects (exactly these two members; \`sha256\` 64
    lower-case hex digits), sorted by \`path\` in code-unit order, each path once: **exactly** the
    lines of \`manifest-sha256.txt\`, the same names with the same SHA-256. A payload file not in it,
    or in it with another SHA-256, or in it and not in the manifest, fails (and the manifest's
    digests are checked against the files, B.2).
- \`${BUNDLE_STATEMENT_SIG}\` is the raw 64-byte Ed25519 signature (RFC 8032) over the bytes of
  \`${BUNDLE_STATEMENT}\`, by the key in \`data/public-key.pem\` (the tree head's key, B.7).

So \`completeness.json\`, \`plaintexts.jsonl\` (what is shown \`[erased]\`), the list of payload
files and the fields above are what the registry signed: editing any of them, without the
registry's key, fails. With a pinned key (B.7) no other key will do. What the statement does not
prove is that the registry told the truth when it signed: the list of streams in view and a text
shown \`[erased]\` are its statement, and the bundle's SHA-256, recorded in the registry's ledger at
export (\`disclosure.BundleExported\`, sealed under later tree heads and anchors), is what holds it
to this one.
`;
}

/** B.12: the texts of the events, their openings, and the timeline and report rows derived from them. */
function textsSection(): string {
  const labels = Object.entries(LABELS)
    .map(([type, [en, nl]]) => `| \`${type}\` | ${en} | ${nl} |`)
    .join('\n');
  return `
## B.12 Texts, and the timeline derived from them (${TEXT_COMMITMENT})

Free text about a person is stored in events encrypted: a member of \`data\` whose value is an
object with \`"enc":"aes-256-gcm"\`. Since ${TEXT_COMMITMENT} that object also holds \`commitment\`: 64
lower-case hex digits, **HMAC-SHA256 (RFC 2104) keyed with a 32-byte salt over the UTF-8 bytes of the
plaintext**. The commitment is inside the event, so inside its leaf; the salt is known only to the
registry (derived from the person's data key, destroyed with it on erasure), so nobody can test
guesses against a commitment that was not opened.

**The texts of an event**, in this order: the members ${TEXT_FIELDS.map((f) => `\`${f}\``).join(', ')}
of \`data\` (top level only). For each present member: an encrypted object (as above) gives the
text of its line in \`plaintexts.jsonl\` (below); a redaction marker (B.4a) gives
\`[redacted: <ground>]\`, its \`ground\`; a non-empty string gives itself; anything else gives nothing.

**\`data/plaintexts.jsonl\`** has one line per encrypted text of the events, in the order of
\`events.jsonl\` and, within an event, the order above (no other lines). Each line is the canonical
JSON (B.3) of exactly one of:

- \`{"field","position","salt","text"}\`: opened. Fail unless the encrypted object has a
  \`commitment\` and HMAC-SHA256(key = the 32 bytes of hex \`salt\`, message = UTF-8 of \`text\`), in
  lower-case hex, equals it. The text shown is \`text\`. It is proven when the event's leaf was
  recomputed (not a redacted line, B.8).
- \`{"field","position","text","unproven":"written before ${TEXT_COMMITMENT}"}\`: text written before
  commitments existed. Fail if the encrypted object has a \`commitment\`. The text shown is
  \`${NOT_PROVABLE} \` followed by \`text\`; it is the registry's decryption and **not proven**.
- \`{"field","position","withheld":"erased"}\` or \`… "withheld":"unreadable"}\`: the key was destroyed
  or the ciphertext cannot be read. The text shown is \`[erased]\` or \`[unreadable]\`; that this is
  so is the registry's statement.

\`position\` is the event's \`globalPosition\` and \`field\` the member's name.

**The row of a withheld line** (B.8) has \`position\`, \`streamId\`, \`revision\` from the line, \`type\`
\`withheld\`, \`label\` \`Event withheld (redacted)\`, \`labelNl\` \`Gebeurtenis achtergehouden
(weggelakt)\`, \`occurredAt\` and \`recordedAt\` \`""\`, \`late\` false, \`actor\` and \`role\` \`""\`,
\`patient\`, \`aiSystem\`, \`incident\`, \`decision\` null, and \`text\` \`[withheld: <ground>]\`; it has no
line in \`plaintexts.jsonl\`.

**The timeline row of an event** is an object with these members in this order:
${TIMELINE_COLUMNS.map((c) => `\`${c}\``).join(', ')}:
\`position\` = \`globalPosition\`; \`streamId\`; \`revision\` = \`streamRevision\`; \`type\`; \`label\` and
\`labelNl\` from the table below (both = \`type\` for a type not in it); \`occurredAt\` = the business
time (B.9); \`recordedAt\`; \`late\` = true when \`recordedAt\` is more than 3,600,000 ms after
\`occurredAt\` (both read as ISO 8601 times; false when either is not one); \`actor\` and \`role\` =
\`metadata.actor.subject\` and \`metadata.actor.role\` (\`""\` when absent; both \`[redacted: <ground>]\`
when \`metadata.actor\` is a redaction marker); \`patient\`, \`aiSystem\`,
\`incident\`, \`decision\` = the string members \`patientPseudonym\`, \`aiSystemId\`, \`incidentId\`,
\`decision\` of \`data\` (\`[redacted: <ground>]\` when the member is a redaction marker; null when
absent or anything else); \`text\` = the texts of the event joined
with \` | \`, or null when it has none.

- \`data/timeline.json\` is exactly \`[\` LF, the rows written as ECMAScript's \`JSON.stringify\` writes
  them (members in the order above, no whitespace, strings escaped as in B.3) joined with \`,\` LF,
  then LF \`]\` LF.
- \`data/timeline.csv\` is exactly (RFC 4180) the header line of the member names, then one line per
  row, each ending CR LF: cells joined with \`,\`; a cell is the value as text (null as empty,
  true/false, numbers in decimal), prefixed with \`'\` when it starts with \`=\`, \`+\`, \`-\`, \`@\`, TAB or
  CR, and then put in double quotes (inner \`"\` doubled) when it holds \`"\`, \`,\`, CR or LF.
- \`data/report.html\` has exactly one line \`${EVENTS_TABLE_HEAD.replace(/`/g, '\\`')}\`,
  followed by a line \`<tbody>\`, then one line per row for the first ${REPORT_ROWS} events (all when fewer),
  then \`</tbody></table>\`. A row's line is
  \`<tr class="late">\` (late) or \`<tr>\`, then \`<td>\` cells: position; occurredAt; recordedAt; label
  \`<br><small>\` labelNl \`</small>\`; actor \`<br><small>\` role \`</small>\`; patient; decision; text
  (null as empty), then \`</tr>\`; each value escaped: \`&\` \`&amp;\`, \`<\` \`&lt;\`, \`>\` \`&gt;\`, \`"\`
  \`&quot;\`, \`'\` \`&#39;\`, LF \`&#10;\`, CR \`&#13;\`.

The rest of \`report.html\` (summary, picture) and \`report.pdf\` are renderings for people and are
not checked.

| type | label | labelNl |
|---|---|---|
${labels}
`;
}

/** B.12 on this bundle's first opened text: the commitment recomputed from its line. */
function openedExample(opened: { line: string; commitment: string }): string {
  const o = JSON.parse(opened.line) as { field: string; position: number; salt: string; text: string };
  const computed = createHmac('sha256', Buffer.from(o.salt, 'hex')).update(o.text, 'utf8').digest('hex');
  return `
## B.13 Worked example: the first opened text of this bundle

Its line of \`data/plaintexts.jsonl\`:

    ${opened.line}

HMAC-SHA256 with the ${Buffer.from(o.salt, 'hex').length}-byte salt \`${o.salt}\` as key over the
${Buffer.byteLength(o.text, 'utf8')} bytes of UTF-8 of the text gives \`${computed}\`, which is${computed === opened.commitment ? '' : ' NOT'} the
\`commitment\` of \`data.${o.field}\` in the event at position ${o.position}. With standard tools:

    printf '%s' '<text>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:${o.salt}
`;
}

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** B.4–B.6 on this bundle's first event, every intermediate hash written out. */
function workedExample(head: SignedTreeHead, ex: VerifyExample): string {
  const parsed = JSON.parse(ex.eventLine) as { globalPosition: number; salts?: Record<string, string>; seed?: string } & Record<string, unknown>;
  const position = parsed.globalPosition;
  // Leaf format 2 (B.4a): each opened member's commitment written out from the line's own bytes.
  const two = Object.hasOwn(parsed, 'leafFormat') ? formatTwoLeaf(parsed) : null;
  const leafText = two ? two.leaf : ex.eventLine.replace(`"globalPosition":${position},`, '');
  const commitments = two
    ? `It is leaf format 2 (B.4a): \`globalPosition\` and \`${parsed.seed === undefined ? 'salts' : 'seed'}\` are left out and each committed member is replaced by its commitment${ex.formatTwo ? '; B.10a works one with committed members through' : ''}.\n\n`
    : '';
  const proof = JSON.parse(ex.proofLine) as { leafIndex: number; treeSize: number; proof: string[] };
  let r = sha256(Buffer.from([0]), Buffer.from(leafText, 'utf8'));
  const leaf = r.toString('hex');
  let fn = proof.leafIndex;
  let sn = proof.treeSize - 1;
  const steps: string[] = [];
  proof.proof.forEach((hex, i) => {
    const p = Buffer.from(hex, 'hex');
    const left = fn % 2 === 1 || fn === sn;
    r = left ? sha256(Buffer.from([1]), p, r) : sha256(Buffer.from([1]), r, p);
    steps.push(`| ${i + 1} | \`${hex}\` | ${left ? 'left' : 'right'} | \`${r.toString('hex')}\` |`);
    if (left) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  });
  return `
## B.10 Worked example: the first event of this bundle

Line 1 of \`data/events.jsonl\` (position ${position}):

    ${ex.eventLine}

${commitments}Its leaf bytes (${two ? 'B.4a' : 'B.4'}; ${Buffer.byteLength(leafText, 'utf8')} bytes of UTF-8):

    ${leafText}

Leaf hash: \`${leaf}\`

Line 1 of \`data/proofs.jsonl\`: leaf index ${proof.leafIndex} (position ${position} − 1, B.5), tree size
${proof.treeSize}, ${proof.proof.length} proof hashes. Folding them (B.6), "side" being where the proof hash goes:

| step | proof hash | side | r after the step |
|---|---|---|---|
${steps.join('\n')}

The last r is the \`rootHash\` of \`data/checkpoint.json\`: \`${head.rootHash}\`.
`;
}

/** B.10a: a format-2 line with committed members, each commitment and the leaf written out from its own bytes. */
function formatTwoExample(eventLine: string, section: 'B.10a' | 'B.10b'): string {
  const line = JSON.parse(eventLine) as { globalPosition: number; salts?: Record<string, string>; seed?: string } & Record<string, unknown>;
  const { leaf, redacted } = formatTwoLeaf(line);
  const valueAt = (pointer: string) =>
    pointer
      .split('/')
      .slice(1)
      .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((v, seg) => (v as Record<string, unknown>)?.[seg], line);
  const cell = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
  // Each opened member's salt: from `salts`, or derived from `seed` (B.4a), and shown either way.
  const { seed } = line;
  const salts: Array<[string, string]> =
    seed === undefined
      ? Object.entries(line.salts ?? {})
      : committedPointers(line.data, (line.metadata ?? {}) as Record<string, unknown>).map((p) => [
          p,
          createHmac('sha256', Buffer.from(seed, 'hex')).update(p, 'utf8').digest('hex'),
        ]);
  const opened = salts.map(([pointer, salt]) => {
    const text = canonicalJson(valueAt(pointer));
    const commitment = createHash('sha256').update(Buffer.from(salt, 'hex')).update(text, 'utf8').digest('hex');
    return `| \`${pointer}\` | \`${salt}\` | ${cell(text)} | \`${commitment}\` |`;
  });
  const shut = redacted.map((r) => {
    const m = valueAt(r.pointer) as { $redacted: { commitment: string } };
    return `| \`${r.pointer}\` | (redacted: ${r.ground}) | — | \`${m.$redacted.commitment}\` |`;
  });
  const saltFrom =
    seed === undefined
      ? "an opened one's salt from `salts`"
      : `an opened one's salt derived from the line's \`seed\`, HMAC-SHA256(key = the 32 bytes of \`seed\`, message = UTF-8 of the pointer)`;
  const byHand = seed === undefined ? '' : `\nA salt by hand: \`printf '%s' '<pointer>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:${seed}\`.\n`;
  return `
## ${section} Worked example: a leaf-format-2 line with committed members${seed === undefined ? '' : ', in the seed form'}

The line at position ${line.globalPosition} of \`data/events.jsonl\`:

    ${eventLine}

Each committed member (B.4a): ${saltFrom}, the canonical JSON of its value and SHA-256(salt ‖ that
text); a redacted one's commitment from its marker. Each value is replaced by
\`{"$commitment":<commitment>}\`:

| pointer | salt | canonical value | commitment |
|---|---|---|---|
${[...opened, ...shut].join('\n')}
${byHand}
By hand, for an opened one: \`(printf '%s' <salt> | xxd -r -p; printf '%s' '<canonical value>') | sha256sum\`.

Its leaf bytes (B.4a; ${Buffer.byteLength(leaf, 'utf8')} bytes of UTF-8), without \`globalPosition\` and \`${seed === undefined ? 'salts' : 'seed'}\`:

    ${leaf}

Leaf hash: \`${createHash('sha256')
    .update(Buffer.from([0]))
    .update(leaf, 'utf8')
    .digest('hex')}\` (its line of \`data/proofs.jsonl\` gives the same \`leafHash\`).
`;
}
