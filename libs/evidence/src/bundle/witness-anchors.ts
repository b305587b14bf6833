import { cosignatureTime, keyIdHex, NoteError, parseCheckpoint, parseNote, verifyCosignature, type Vkey } from '../anchor/signed-note';

/**
 * Witness cosignatures in a bundle (issue 22, build 3; ADR 0054): lines of data/anchors.jsonl of
 * kind "c2sp-cosignature", whose `token` is the cosigned checkpoint note (C2SP signed-note /
 * tlog-checkpoint / tlog-cosignature). Kept apart from anchors.ts so the rule is stated once here.
 */

/** A cosignature line's outcome: it counts (null), it fails (a problem), or its witness is not pinned. */
export type CosignedLineCheck = null | { problem: string } | 'unpinned';

export interface WitnessesVerdict {
  /** How many witness keys were pinned (--trusted-witness). */
  pinned: number;
  /** Cosignature lines checked against a pinned witness key. */
  checked: number;
  /** Witnesses named by cosignature lines whose key was not pinned: their cosignatures prove nothing. */
  unpinned: string[];
}

/**
 * One cosignature line. The note must parse strictly and be exactly the checkpoint of the line's
 * `checkpoint` (tree size, root; a cosignature moved to another checkpoint fails here or in its
 * signature). Then, when `authority` names a pinned witness, a signature line with that name
 * *and* the pinned key id must be present and verify (0x04, `cosignature/v1`), and `genTime`
 * be its timestamp. Returns null (counts as an anchor), a problem, or 'unpinned' (proves nothing).
 */
export function checkCosignedLine(
  token: string,
  authority: string,
  genTime: string,
  checkpoint: { treeSize: number; rootHash: string },
  pinned: Vkey[],
  verdict: WitnessesVerdict,
): CosignedLineCheck {
  let note;
  let cp;
  try {
    note = parseNote(token);
    cp = parseCheckpoint(note.text);
  } catch (err) {
    return { problem: `the cosigned checkpoint is not a C2SP signed note: ${(err as NoteError).message}` };
  }
  if (cp.treeSize !== checkpoint.treeSize || cp.rootHash.toString('hex') !== checkpoint.rootHash) {
    return { problem: `the cosigned checkpoint (size ${cp.treeSize}, root ${cp.rootHash.toString('hex')}) is not this line's tree head` };
  }
  const witness = pinned.find((w) => w.name === authority);
  if (!witness) {
    if (!verdict.unpinned.includes(authority)) verdict.unpinned.push(authority);
    return 'unpinned';
  }
  verdict.checked++;
  let time: number | undefined;
  for (const sig of note.signatures) {
    try {
      const ok = verifyCosignature(note.text, sig, witness);
      if (ok) time ??= ok.time;
    } catch (err) {
      return { problem: `the cosignature of ${authority} is forged or altered: ${(err as NoteError).message}` };
    }
  }
  if (time === undefined) return { problem: `no cosignature by the pinned key of ${authority} (key id ${keyIdHex(witness.keyId)})` };
  if (cosignatureTime(time) !== genTime) return { problem: `states genTime ${genTime}, the cosignature ${cosignatureTime(time)}` };
  return null;
}

/** Part B of VERIFY.md: the rule for cosignature lines. */
export function witnessRules(): string {
  return `
## B.11a Witness cosignatures (C2SP signed-note, tlog-checkpoint, tlog-cosignature)

A line of \`data/anchors.jsonl\` may have \`"kind":"c2sp-cosignature"\` instead of \`"rfc3161"\`:
the same members, checked the same way (form, tree size, consistency proof), except:

- Tree sizes do not decrease from line to line and increase within one kind; at most 100 lines
  of each kind.
- \`authority\` is the witness's key name; \`token\` is the cosigned checkpoint, a signed note
  (c2sp.org/signed-note), as text: valid UTF-8 with no control character but LF, the note text,
  one empty line, then 1 to 64 signature lines \`— <key name> <base64>\\n\` (U+2014, a space, a
  name without spaces or \`+\`, a space, padded canonical base64 of at least 5 bytes: a 4-byte
  big-endian key id, then the signature). The text is what precedes the *last* empty line.
- The note text is a checkpoint (c2sp.org/tlog-checkpoint): \`<origin>\\n<tree size>\\n<root>\\n\`,
  the size in decimal without leading zeros, the root the base64 of 32 bytes; its size and
  root must equal \`checkpoint.treeSize\` and \`checkpoint.rootHash\` of the line (hex).
- A witness key is pinned as a vkey: \`<name>+<8 hex key id>+base64(0x04 ‖ 32-byte Ed25519 key)\`,
  the key id being the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key). When \`authority\` is a
  pinned name, the note must hold a signature line with that name and that key id; its 72 bytes
  after the key id are \`timestamped_signature\`: an 8-byte big-endian timestamp (POSIX seconds,
  not 0) and a 64-byte Ed25519 signature over the bytes
  \`cosignature/v1\\ntime <timestamp in decimal>\\n\` followed by the note text. Any line with that
  name and key id that does not verify fails the bundle; \`genTime\` must be the timestamp as
  \`YYYY-MM-DDTHH:MM:SS.000Z\`. Such a line then covers events like a checked RFC 3161 token (B.11:
  since \`genTime\`).
- Lines by other keys are ignored (the log's own 0x01 line, with the origin as its name, is for
  the witness). A cosignature by a witness that is not pinned proves nothing: anyone can run a
  witness. \`registry verify-bundle\` lists those witnesses in \`anchors.witnesses.unpinned\`.
`;
}
