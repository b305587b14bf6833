import { generateKeyPairSync } from 'node:crypto';
import {
  checkpointText,
  cosign,
  cosignedMessage,
  formatNote,
  formatVkey,
  NoteError,
  noteKeyId,
  parseCheckpoint,
  parseNote,
  parseVkey,
  rawEd25519PublicKey,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  signNoteText,
  verifyCosignature,
  verifyNote,
} from './signed-note';

// c2sp.org/signed-note, "Verifier keys" § Example: this vkey verifies this note.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
// c2sp.org/tlog-cosignature's example checkpoint with a log signature and a witness cosignature (no vkeys given: parsed only).
const SPEC_COSIGNED =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';

describe('C2SP signed notes, checkpoints and cosignatures (issue 22, build 3; ADR 0054)', () => {
  it('given the signed-note spec’s own vkey and note, the note verifies, and a changed byte anywhere does not', () => {
    const vkey = parseVkey(SPEC_VKEY);
    expect(vkey).toMatchObject({ name: 'example.com/foo', keyId: 0x530d903a, type: SIG_ED25519 });
    const note = parseNote(SPEC_NOTE);
    expect(note.text).toBe('This is an example message.\n');
    expect(verifyNote(note, [vkey]).map((s) => s.name)).toEqual(['example.com/foo']);
    // A changed byte of the text: the signature fails, and a known key's failure rejects the note.
    expect(() => verifyNote(parseNote(SPEC_NOTE.replace('example message', 'example massage')), [vkey])).toThrow(/does not verify/);
    // A changed byte of the signature: it fails; the same bytes spelt with non-zero padding bits are not base64 to us.
    expect(() => verifyNote(parseNote(SPEC_NOTE.replace('yaQM=', 'yaQQ=')), [vkey])).toThrow(/does not verify/);
    expect(() => parseNote(SPEC_NOTE.replace('yaQM=', 'yaQN='))).toThrow(/canonical/);
    // Same name, another key id: an unknown key, ignored, so nothing known signed it ("MUST reject").
    const otherId = formatVkey('example.com/foo', SIG_ED25519, Buffer.alloc(32, 7));
    expect(() => verifyNote(note, [parseVkey(otherId)])).toThrow(/no known key/);
  });

  it('computes key ids and vkeys as the spec says, and refuses a vkey whose id is not its hash', () => {
    const vkey = parseVkey(SPEC_VKEY);
    expect(noteKeyId(vkey.name, SIG_ED25519, vkey.publicKey)).toBe(0x530d903a);
    expect(formatVkey(vkey.name, SIG_ED25519, vkey.publicKey)).toBe(SPEC_VKEY);
    expect(() => parseVkey(SPEC_VKEY.replace('530d903a', '530d903b'))).toThrow(/key id/);
    expect(() => parseVkey('example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')).toThrow(NoteError);
    expect(() => parseVkey('exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')).toThrow(NoteError);
  });

  it('parses with the spec’s strictness: UTF-8, no control characters, final newline, blank line, well-formed signature lines', () => {
    expect(parseNote(SPEC_COSIGNED).signatures.map((s) => s.name)).toEqual(['example.com/behind-the-sofa', 'witness.example.com/w1']);
    // The text may hold empty lines: the last blank line separates.
    expect(parseNote('a\n\nb\n\n— k AAAAAAE=\n').text).toBe('a\n\nb\n');
    const bad = [
      'no signatures\n\n', // no signature line
      'text\n— k AAAAAAE=\n', // no blank line
      'text\n\n— k AAAAAAE=', // no final newline
      'te\txt\n\n— k AAAAAAE=\n', // a control character
      'text\r\n\n— k AAAAAAE=\n',
      'text\n\n- k AAAAAAE=\n', // a hyphen, not an em dash
      'text\n\n— k+1 AAAAAAE=\n', // "+" in a key name
      'text\n\n— k AAAA\n', // fewer than 4+1 bytes
      'text\n\n— k AAAAAAE\n', // unpadded base64
      'text\n\n— k  AAAAAAE=\n', // two spaces
    ];
    for (const n of bad) expect(() => parseNote(n)).toThrow(NoteError);
    expect(() => parseNote(Buffer.concat([Buffer.from('text \xff\n\n— k AAAAAAE=\n', 'latin1')]))).toThrow(/UTF-8/);
    expect(() => parseNote(`t\n\n${Array.from({ length: 65 }, () => '— k AAAAAAE=\n').join('')}`)).toThrow(/more than 64/);
  });

  it('reads the tlog-checkpoint example, and refuses a leading zero, an empty line or a root that is not 32 bytes', () => {
    const c = parseCheckpoint(parseNote(SPEC_COSIGNED).text);
    expect(c).toMatchObject({ origin: 'example.com/behind-the-sofa', treeSize: 20852163, extensions: [] });
    expect(c.rootHash.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(() => parseCheckpoint('o\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toThrow(/leading/);
    expect(() => parseCheckpoint('o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n')).toThrow(/32 bytes/);
    expect(() => parseCheckpoint('o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n')).toThrow(/non-empty/);
    expect(checkpointText('o', 1, c.rootHash)).toBe('o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
  });

  it('given a log key and a witness key, a checkpoint signed (0x01) and cosigned (0x04, cosignature/v1 with time) verifies; a moved or altered cosignature does not', () => {
    const log = generateKeyPairSync('ed25519').privateKey;
    const witness = generateKeyPairSync('ed25519').privateKey;
    const logVkey = parseVkey(formatVkey('registry.example/log', SIG_ED25519, rawEd25519PublicKey(log)));
    const wVkey = parseVkey(formatVkey('witness.example/w1', SIG_COSIGNATURE_V1, rawEd25519PublicKey(witness)));
    const text = checkpointText('registry.example/log', 5, Buffer.alloc(32, 1));
    const line = cosign(text, 'witness.example/w1', witness, 1679315147);
    const note = parseNote(formatNote(text, [signNoteText(text, 'registry.example/log', log), line]));
    expect(verifyNote(note, [logVkey]).length).toBe(1);
    // The cosigned message is exactly the spec's layout.
    expect(cosignedMessage(text, 1679315147).toString()).toBe(`cosignature/v1\ntime 1679315147\n${text}`);
    const sig = note.signatures[1];
    expect(verifyCosignature(note.text, sig, wVkey)).toEqual({ witness: 'witness.example/w1', time: 1679315147, line });
    // The log's own line is not the witness's key: ignored.
    expect(verifyCosignature(note.text, note.signatures[0], wVkey)).toBeNull();
    // Moved to another checkpoint (size 6): it fails.
    expect(() => verifyCosignature(checkpointText('registry.example/log', 6, Buffer.alloc(32, 1)), sig, wVkey)).toThrow(/does not verify/);
    // The timestamp altered inside the line: it fails.
    const altered = { ...sig, signature: Buffer.from(sig.signature) };
    altered.signature.writeBigUInt64BE(1679315148n, 0);
    expect(() => verifyCosignature(note.text, altered, wVkey)).toThrow(/does not verify/);
    // A 0x01 vkey is not a witness key.
    expect(() => verifyCosignature(note.text, sig, logVkey)).toThrow(/0x04/);
  });
});
