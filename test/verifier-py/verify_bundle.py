#!/usr/bin/env python3
"""A second, independent verifier of oversight-registry evidence bundles.

Written only from the VERIFY.md that every bundle carries (part B, "The rules, exactly"), in
another language, with the Python 3 standard library and the `openssl` command (Ed25519), so
that the specification is shown to be complete: if this file and `registry verify-bundle`
disagree on a bundle, VERIFY.md is missing a rule. Section numbers below are VERIFY.md's.

    python3 verify_bundle.py <bundle.zip> [--trusted-key <pem|jwk>]... [--trusted-tsa <pem>] [--trusted-witness <vkey>]...

Prints one JSON verdict {"ok", "eventsProven", "problems", ...} and exits 0 (ok), 1 (refused)
or 2 (the command itself was used wrongly).
"""

import argparse
import base64
import calendar
import copy
import hashlib
import hmac
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import unicodedata
import zlib
from decimal import Decimal
import zipfile
from datetime import datetime, timedelta, timezone

MiB = 1 << 20
GiB = 1 << 30

# B.1: limits, checked on the central directory before any content is read.
MAX_ENTRIES = 64
SMALL_FILES = {
    'bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'bundle-statement.json', 'bundle-statement.sig',
    'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem',
}
SMALL_LIMIT = 1 * MiB
COMPLETENESS_LIMIT = 64 * MiB
OTHER_LIMIT = 2 * GiB
TOTAL_LIMIT = 4 * GiB
RATIO_FLOOR = 1 * MiB
MAX_RATIO = 200
MAX_LINE = 16 * MiB
CHUNK = 64 * 1024

TAG_FILES = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'bundle-statement.json', 'bundle-statement.sig', 'tagmanifest-sha256.txt']
# B.14: the signed bundle statement.
STATEMENT, STATEMENT_SIG = 'bundle-statement.json', 'bundle-statement.sig'
STATEMENT_MEMBERS = ['checkpointSha256', 'disclosureRequestId', 'eventCount', 'keyId', 'logPositions', 'payload',
                     'rootHash', 'scope', 'statement', 'treeSize', 'version']
STATEMENT_VERSION = 'bundle-statement-v1'
ANCHORS_FILE = 'data/anchors.jsonl'
DOCUMENTS_DIR = 'data/documents/'
DATE_ONLY = re.compile(r'^\d{4}-\d{2}-\d{2}\Z')
MAX_ANCHORS = 100
BASE64 = re.compile(r'^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z')
ANCHOR_MEMBERS = ['authority', 'checkpoint', 'consistency', 'genTime', 'kind', 'token']
# B.11a: witness cosignatures (C2SP signed-note / tlog-checkpoint / tlog-cosignature).
COSIGNATURE_KIND = 'c2sp-cosignature'
MAX_NOTE_SIGNATURES = 64
ED25519_SPKI_PREFIX = bytes.fromhex('302a300506032b6570032100')
ANCHOR_CHECKPOINT_MEMBERS = ['issuedAt', 'keyId', 'log', 'rootHash', 'signature', 'treeSize']
REQUIRED = ['data/events.jsonl', 'data/proofs.jsonl', 'data/checkpoint.json',
            'data/checkpoint.sig', 'data/public-key.pem', 'data/completeness.json',
            # B.2 / B.12: the texts' openings and what is derived from them.
            'data/plaintexts.jsonl', 'data/timeline.json', 'data/timeline.csv', 'data/report.html',
            # B.15: coverage of oversight, derived from the shown events.
            'data/coverage.json']
HEX64 = re.compile(r'^[0-9a-f]{64}$')
# B.7: an Ed25519 SubjectPublicKeyInfo is this 12-byte DER prefix and the 32-byte key.
ED25519_SPKI_PREFIX = bytes.fromhex('302a300506032b6570032100')
PROOF_MEMBERS = ['leafHash', 'leafIndex', 'position', 'proof', 'redacted', 'treeSize']
CHECKPOINT_MEMBERS = ['issuedAt', 'keyId', 'log', 'rootHash', 'treeSize']
# B.17: the access-log extract, its proofs and the anchor event.
ACCESS_LOG, ACCESS_LOG_PROOFS, ACCESS_LOG_ANCHOR = 'data/access-log.jsonl', 'data/access-log-proofs.jsonl', 'data/access-log-anchor.jsonl'
ACCESS_LOG_SUBJECTS = 'data/access-log-subjects.jsonl'


class Refused(Exception):
    """The bundle is refused as a whole (B.1): no later check is worth running."""


# ---------------------------------------------------------------- B.3 canonical JSON

def _es_number(x):
    """A number as ECMAScript's Number::toString writes it (JSON.stringify uses it)."""
    if isinstance(x, bool):
        raise ValueError('not a number')
    if isinstance(x, int) and abs(x) < 2 ** 53:
        return str(x)
    f = float(x)
    if f != f or f in (float('inf'), float('-inf')):
        raise ValueError('NaN and infinities have no JSON form')
    if f == 0:
        return '0'
    sign = '-' if f < 0 else ''
    # repr gives the shortest digits that round-trip, as ECMAScript requires; then place the point:
    # the value is 0.<digits> x 10^n.
    _, ds, exp = Decimal(repr(abs(f))).as_tuple()
    digits = ''.join(map(str, ds)).lstrip('0')
    stripped = digits.rstrip('0')
    exp += len(digits) - len(stripped)
    digits = stripped
    n = len(digits) + exp
    k = len(digits)
    if k <= n <= 21:
        s = digits + '0' * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0:
        s = '0.' + '0' * (-n) + digits
    else:
        e = n - 1
        s = digits[0] + ('.' + digits[1:] if k > 1 else '') + 'e' + ('+' if e > 0 else '-') + str(abs(e))
    return sign + s


_SHORT_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def _es_string(s):
    out = ['"']
    for ch in s:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append('\\u%04x' % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def canonical(value):
    """RFC 8785 canonical JSON text of a parsed value (B.3)."""
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, str):
        return _es_string(value)
    if isinstance(value, (int, float)):
        return _es_number(value)
    if isinstance(value, list):
        return '[' + ','.join(canonical(v) for v in value) + ']'
    if isinstance(value, dict):
        # Member names sorted by UTF-16 code units: big-endian UTF-16 bytes sort the same way.
        names = sorted(value, key=lambda k: k.encode('utf-16-be', 'surrogatepass'))
        return '{' + ','.join(_es_string(k) + ':' + canonical(value[k]) for k in names) + '}'
    raise ValueError('not a JSON value')


def _reject_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError('member %r appears twice' % k)
        seen[k] = v
    return seen


def parse_json(text):
    return json.loads(text, object_pairs_hook=_reject_duplicates)


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


# ---------------------------------------------------------------- the verifier

class Verifier:
    def __init__(self, path, trusted_keys, trusted_tsa=None, trusted_witnesses=None):
        self.path = path
        self.trusted = trusted_keys  # raw 32-byte Ed25519 keys; None when nothing is pinned
        self.trusted_tsa = trusted_tsa  # path of the pinned TSA certificate(s), PEM; None when not pinned
        # B.11: the checked anchors' tree sizes, the earliest genTime at or after each, and the verdict.
        self.anchor_sizes, self.anchor_since, self.anchor_next = [], [], 0
        self.trusted_witnesses = trusted_witnesses or []  # B.11a: (name, key id, raw key) of pinned 0x04 vkeys
        self.anchors = {'anchors': 0, 'checkedAgainst': None, 'anchored': [], 'unanchored': 0,
                        'witnesses': {'pinned': len(self.trusted_witnesses), 'checked': 0, 'unpinned': []}}
        self.problems = []
        self.events_proven = 0
        self.event_lines = 0  # B.14: eventCount
        self.manifest, self.raw_tags = {}, {}
        self.redacted = 0
        self.signed_by = None
        self.texts = None
        self.request_id = None
        self.withheld = {}  # eventId -> (ground, line, position), B.8
        self.decided = None  # eventId -> grounds, from the last proven RedactionsDecided of the request
        self.decided_rules = None  # eventId -> [(path, ground)], the same decision's rules (B.8, redacted members)
        self.redacted_fields = []  # (eventId, pointer, ground, line, position) of members shown redacted, B.4a
        self.documents = Documents()  # B.16: the compliance file's documents, from the shown events
        self.compliance = None  # B.18: the compliance file's deriver, when the bundle carries one
        self.compliance_text = None
        self.access_log_proven = 0  # B.17
        self.access_log_complete = 0  # B.17, the subject tree: patients whose extract is proven complete


    def fail(self, file, problem, **where):
        entry = {'file': file}
        entry.update(where)
        entry['problem'] = problem
        self.problems.append(entry)

    # ---- B.1 the zip, from its central directory

    def check_zip(self, zf):
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Refused(('', 'the zip has %d entries, more than %d' % (len(infos), MAX_ENTRIES)))
        seen = {}
        total = 0
        for info in infos:
            name = info.filename
            if name.startswith('/') or re.match(r'^[A-Za-z]:', name) or '\\' in name or '..' in name.split('/'):
                raise Refused((name, 'the entry name is absolute or leaves the bag'))
            if name.endswith('/') or info.is_dir():
                raise Refused((name, 'the entry is a directory'))
            mode = info.external_attr >> 16
            if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise Refused((name, 'the entry is a symbolic link or not a regular file'))
            if info.flag_bits & 0x1:
                raise Refused((name, 'the entry is encrypted'))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Refused((name, 'the entry uses compression method %d' % info.compress_type))
            folded = unicodedata.normalize('NFC', name).lower()
            if folded in seen:
                raise Refused((name, 'the zip holds this name twice'))
            seen[folded] = name
            limit = self.limit_for(name)
            if info.file_size > limit:
                raise Refused((name, 'states %d bytes uncompressed, over its limit of %d' % (info.file_size, limit)))
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
                raise Refused((name, 'inflates more than %d times' % MAX_RATIO))
            total += info.file_size
        if total > TOTAL_LIMIT:
            raise Refused(('', 'the entries state %d bytes together, over %d' % (total, TOTAL_LIMIT)))
        return {i.filename: i for i in infos}

    @staticmethod
    def limit_for(name):
        if name in SMALL_FILES:
            return SMALL_LIMIT
        if name == 'data/completeness.json':
            return COMPLETENESS_LIMIT
        return OTHER_LIMIT

    def inflate(self, zf, info):
        """An entry's bytes in chunks, inflated here from the raw stream so that an entry yielding more
        than its stated size (or its limit) is refused (B.1): zipfile alone would stop silently at
        the stated size. The CRC-32 is checked at the end."""
        raw = copy.copy(info)
        raw.compress_type = zipfile.ZIP_STORED
        raw.file_size = info.compress_size
        del raw.CRC  # zipfile would check the CRC of the compressed bytes; it is checked below instead
        limit = min(info.file_size, self.limit_for(info.filename))
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        crc, n = 0, 0
        with zf.open(raw) as f:
            while True:
                chunk = f.read(CHUNK)
                pending = chunk
                while True:
                    if inflater is None:
                        out, pending = pending, b''
                    else:
                        out = inflater.decompress(pending, CHUNK)
                        pending = inflater.unconsumed_tail
                    n += len(out)
                    if n > limit:
                        raise Refused((info.filename, 'inflates past %d bytes (its stated size or its limit)' % limit))
                    if out:
                        crc = zlib.crc32(out, crc)
                        yield out
                    if not pending:
                        break
                if not chunk or (inflater is not None and inflater.eof):
                    break
        if inflater is not None and inflater.flush(1):
            raise Refused((info.filename, 'inflates past %d bytes (its stated size or its limit)' % limit))
        if n != info.file_size or crc != info.CRC:
            raise Refused((info.filename, 'the entry is damaged: its size or CRC-32 is not the one its header states'))

    def read_small(self, zf, info):
        """A whole entry whose limit (B.1) is small enough to hold: the tag files, the key, the head."""
        return b''.join(self.inflate(zf, info))

    def stream_sha256(self, zf, info):
        h = hashlib.sha256()
        for chunk in self.inflate(zf, info):
            h.update(chunk)
        return h.hexdigest()

    def lines(self, zf, info):
        """The non-empty lines of a .jsonl entry, streamed (B.1: at most 16 MiB each, UTF-8; B.2:
        cut at LF, a final CR dropped), numbered from 1."""
        pending = bytearray()
        number = 0

        def line(raw):
            if len(raw) > MAX_LINE:
                raise Refused((info.filename, 'line %d is longer than %d bytes' % (number + 1, MAX_LINE)))
            try:
                text = bytes(raw).decode('utf-8')
            except UnicodeDecodeError:
                raise Refused((info.filename, 'line %d is not UTF-8' % (number + 1)))
            return text[:-1] if text.endswith('\r') else text

        for chunk in self.inflate(zf, info):
            start = 0
            while True:
                nl = chunk.find(b'\n', start)
                if nl == -1:
                    pending += chunk[start:]
                    if len(pending) > MAX_LINE:
                        raise Refused((info.filename, 'line %d is longer than %d bytes' % (number + 1, MAX_LINE)))
                    break
                pending += chunk[start:nl]
                text = line(pending)
                pending = bytearray()
                start = nl + 1
                if text:
                    number += 1
                    yield number, text
        if pending:
            text = line(pending)
            if text:
                yield number + 1, text

    # ---- B.2 the bag

    @staticmethod
    def parse_manifest(text, file, fail):
        entries = {}
        for number, line in enumerate(text.split('\n'), 1):
            line = line[:-1] if line.endswith('\r') else line
            if line == '':
                continue
            m = re.match(r'^([0-9a-f]{64}) {1,2}\*?(.+)$', line)
            if not m:
                fail(file, 'line %d is not "<sha256> <name>"' % number)
                continue
            digest, name = m.group(1), m.group(2)
            if name in entries:
                fail(file, 'lists %s twice' % name)
            entries[name] = digest
        return entries

    @staticmethod
    def payload_name_ok(name):
        if not name.startswith('data/') or '\\' in name or any(ord(c) < 0x20 or ord(c) == 0x7f for c in name):
            return False
        return all(seg not in ('', '.', '..') for seg in name.split('/'))

    def check_bag(self, zf, entries):
        for tag in TAG_FILES:
            if tag not in entries:
                self.fail(tag, 'the bag has no %s' % tag)
        if self.problems:
            return None
        texts = {}
        raw = {}
        for tag in TAG_FILES:
            raw[tag] = self.read_small(zf, entries[tag])
            if tag == STATEMENT_SIG:
                continue  # B.14: raw signature bytes
            try:
                texts[tag] = raw[tag].decode('utf-8')
            except UnicodeDecodeError:
                self.fail(tag, 'is not UTF-8')
        if self.problems:
            return None
        if not re.search(r'^BagIt-Version: 1\.0', texts['bagit.txt'], re.M):
            self.fail('bagit.txt', 'not a BagIt 1.0 declaration')
        manifest = self.parse_manifest(texts['manifest-sha256.txt'], 'manifest-sha256.txt', self.fail)
        tagmanifest = self.parse_manifest(texts['tagmanifest-sha256.txt'], 'tagmanifest-sha256.txt', self.fail)
        for name in manifest:
            if not self.payload_name_ok(name):
                self.fail('manifest-sha256.txt', 'lists %r, not a payload name' % name)
        if sorted(tagmanifest) != sorted(t for t in TAG_FILES if t != 'tagmanifest-sha256.txt'):
            self.fail('tagmanifest-sha256.txt', 'must list exactly %s' % ', '.join(t for t in TAG_FILES if t != 'tagmanifest-sha256.txt'))
        for name in entries:
            if name not in TAG_FILES and name not in manifest:
                self.fail(name, 'the zip holds a file not listed in manifest-sha256.txt')
        for name in manifest:
            if name not in entries:
                self.fail(name, 'listed in manifest-sha256.txt but not in the zip')
        for name in REQUIRED:
            if name not in manifest:
                self.fail(name, 'required file missing')
        if self.problems:
            return None
        for tag, digest in tagmanifest.items():
            if hashlib.sha256(raw[tag]).hexdigest() != digest:
                self.fail(tag, 'SHA-256 differs from tagmanifest-sha256.txt')
        for name, digest in manifest.items():
            if self.stream_sha256(zf, entries[name]) != digest:
                self.fail(name, 'SHA-256 differs from manifest-sha256.txt')
        self.manifest = manifest
        self.raw_tags = raw
        return texts

    # ---- B.14 the signed bundle statement

    def check_statement(self, zf, entries, head, bag_info):
        body, sig = self.raw_tags[STATEMENT], self.raw_tags[STATEMENT_SIG]
        try:
            st = parse_json(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as e:
            self.fail(STATEMENT, 'is not JSON: %s' % e)
            return None
        if not isinstance(st, dict) or sorted(st) != STATEMENT_MEMBERS:
            self.fail(STATEMENT, 'must have exactly the members %s' % ', '.join(STATEMENT_MEMBERS))
            return None
        if canonical(st).encode('utf-8') != body:
            self.fail(STATEMENT, 'is not canonical JSON')
        if st['version'] != STATEMENT_VERSION:
            self.fail(STATEMENT, 'version is not %s' % STATEMENT_VERSION)
        pem = self.read_small(zf, entries['data/public-key.pem'])
        if len(sig) != 64 or not openssl_verify(pem, body, sig):
            self.fail(STATEMENT_SIG, 'the signature does not verify with data/public-key.pem')
        checkpoint = self.read_small(zf, entries['data/checkpoint.json'])
        if st['checkpointSha256'] != hashlib.sha256(checkpoint).hexdigest():
            self.fail(STATEMENT, 'checkpointSha256 is not the SHA-256 of data/checkpoint.json')
        for k in ('treeSize', 'rootHash', 'keyId'):
            if st[k] != head[k] or isinstance(st[k], bool):
                self.fail(STATEMENT, '%s is not data/checkpoint.json\'s' % k)
        payload = st['payload']
        if not isinstance(payload, list) or not all(isinstance(p, dict) and sorted(p) == ['path', 'sha256'] and isinstance(p['path'], str)
                                                    and isinstance(p['sha256'], str) and HEX64.match(p['sha256']) for p in payload):
            self.fail(STATEMENT, 'payload is not a list of {path, sha256}')
        else:
            paths = [p['path'] for p in payload]
            key = lambda x: x.encode('utf-16-be', 'surrogatepass')
            if len(set(paths)) != len(paths):
                self.fail(STATEMENT, 'payload lists a path twice')
            elif paths != sorted(paths, key=key):
                self.fail(STATEMENT, 'payload is not sorted by path')
            signed = {p['path']: p['sha256'] for p in payload}
            for name, digest in self.manifest.items():
                if name not in signed:
                    self.fail(name, 'not in the signed bundle statement (B.14)')
                elif signed[name] != digest:
                    self.fail(name, 'SHA-256 differs from the signed bundle statement (B.14)')
            for name in signed:
                if name not in self.manifest:
                    self.fail(name, 'in the signed bundle statement but not in manifest-sha256.txt (B.14)')
        if self.bag_info_value(bag_info, 'Disclosure-Request-Id') != st['disclosureRequestId']:
            self.fail('bag-info.txt', 'Disclosure-Request-Id is not the signed statement\'s (B.14)')
        if self.bag_info_value(bag_info, 'Log-Positions') != st['logPositions']:
            self.fail('bag-info.txt', 'Log-Positions is not the signed statement\'s (B.14)')
        try:
            bag_scope = parse_json(self.bag_info_value(bag_info, 'Scope') or '')
        except ValueError:
            bag_scope = None
        try:
            same = bag_scope is not None and canonical(bag_scope) == canonical(st['scope'])
        except ValueError:
            same = False
        if not same:
            self.fail('bag-info.txt', 'Scope is not the signed statement\'s (B.14)')
        return st

    @staticmethod
    def bag_info_value(text, label):
        """B.2: the value of the first line "<label>: <value>" of bag-info.txt."""
        m = re.search(r'^' + re.escape(label) + r': (.*)$', text, re.M)
        return m.group(1).rstrip('\r') if m else None

    # ---- B.7 the signed tree head

    def check_head(self, zf, entries):
        body = self.read_small(zf, entries['data/checkpoint.json'])
        sig = self.read_small(zf, entries['data/checkpoint.sig'])
        pem = self.read_small(zf, entries['data/public-key.pem'])
        try:
            head = parse_json(body.decode('utf-8'))
        except ValueError as e:
            self.fail('data/checkpoint.json', 'is not JSON: %s' % e)
            return None
        if not isinstance(head, dict) or not all(isinstance(head.get(k), str) for k in ('issuedAt', 'keyId', 'log', 'rootHash')):
            self.fail('data/checkpoint.json', 'must hold %s' % ', '.join(CHECKPOINT_MEMBERS))
            return None
        if canonical(head).encode('utf-8') != body:
            self.fail('data/checkpoint.json', 'is not canonical JSON')
        if not (isinstance(head['treeSize'], int) and not isinstance(head['treeSize'], bool) and head['treeSize'] >= 0):
            self.fail('data/checkpoint.json', 'treeSize is not a count')
            return None
        if not (isinstance(head['rootHash'], str) and HEX64.match(head['rootHash'])):
            self.fail('data/checkpoint.json', 'rootHash is not 64 lower-case hex digits')
            return None
        raw_key = self.ed25519_from_pem(pem)
        if raw_key is None:
            self.fail('data/public-key.pem', 'is not an Ed25519 SubjectPublicKeyInfo PEM')
            return None
        thumbprint = b64url(sha256(('{"crv":"Ed25519","kty":"OKP","x":"%s"}' % b64url(raw_key)).encode('ascii')))
        if head['keyId'] != thumbprint:
            self.fail('data/checkpoint.json', 'names key %s, but data/public-key.pem is key %s (its RFC 7638 thumbprint)' % (head['keyId'], thumbprint))
        if len(sig) != 64:
            self.fail('data/checkpoint.sig', 'is not a 64-byte Ed25519 signature')
        elif not openssl_verify(pem, body, sig):
            self.fail('data/checkpoint.sig', 'the signature does not verify with data/public-key.pem')
        if self.trusted is not None:
            if raw_key in self.trusted:
                self.signed_by = 'pinned-key'
            else:
                self.fail('data/public-key.pem', 'key %s is not among the trusted keys' % thumbprint)
        else:
            self.signed_by = 'bundled-key'
        return head

    @staticmethod
    def ed25519_from_pem(pem):
        try:
            text = pem.decode('ascii')
        except UnicodeDecodeError:
            return None
        m = re.match(r'^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\r?\n?$', text)
        if not m:
            return None
        try:
            der = base64.b64decode(''.join(m.group(1).split()), validate=True)
        except ValueError:
            return None
        if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
            return None
        return der[12:]

    # ---- B.4–B.6 and B.8: every event, line by line, against its proof

    def check_events(self, zf, entries, head, gap_free, scope):
        tree_size = head['treeSize']
        root = bytes.fromhex(head['rootHash'])
        # streamId -> next revision due, first event's business time, keys named, whether a line is redacted:
        # a few values per stream, never the events themselves (memory stays bounded by the streams).
        streams = {}
        ev_file, pr_file = 'data/events.jsonl', 'data/proofs.jsonl'
        ev_lines = self.lines(zf, entries[ev_file])
        pr_lines = self.lines(zf, entries[pr_file])
        texts = Texts(self, self.lines(zf, entries['data/plaintexts.jsonl']))
        coverage = Coverage(head.get('issuedAt'), scope.get('to') if scope is not None else None)
        last_index = -1
        last_position = 0
        while True:
            ev = next(ev_lines, None)
            pr = next(pr_lines, None)
            if ev is not None:
                self.event_lines = ev[0]
            if ev is None and pr is None:
                break
            if ev is None or pr is None:
                self.fail(pr_file if ev is None else ev_file, 'events.jsonl and proofs.jsonl differ in their number of lines')
                break
            (line_no, ev_text), (_, pr_text) = ev, pr
            try:
                event = parse_json(ev_text)
            except ValueError as e:
                self.fail(ev_file, 'not JSON: %s' % e, line=line_no)
                continue
            try:
                proof = parse_json(pr_text)
            except ValueError as e:
                self.fail(pr_file, 'not JSON: %s' % e, line=line_no)
                continue
            if not isinstance(event, dict) or not is_count(event.get('globalPosition')) or not isinstance(event.get('streamId'), str) or not is_count(event.get('streamRevision')):
                self.fail(ev_file, 'not an event with globalPosition, streamId and streamRevision', line=line_no)
                continue
            position = event['globalPosition']
            if canonical(event) != ev_text:
                self.fail(ev_file, 'the line is not canonical JSON (B.3)', line=line_no, position=position)
                continue
            # B.8: a withheld line shows nothing; its leaf is the one thing taken from proofs.jsonl.
            redacted = '$withheld' in event
            if redacted and not self.withheld_line(event, line_no):
                continue
            # B.4a: a leaf-format-2 line's leaf is recomputed from its opened members, salts and markers.
            two = None
            if not redacted and 'leafFormat' in event:
                two = format_two_leaf(event)
                for problem in two[2]:
                    self.fail(ev_file, problem, line=line_no, position=position)
                for pointer, ground in two[1]:
                    self.redacted_fields.append((event['eventId'] if isinstance(event.get('eventId'), str) else '?', pointer, ground, line_no, position))
            # B.12: its texts opened in step with plaintexts.jsonl; its timeline row derived.
            texts.event(event, not redacted)
            # B.15: coverage from the shown lines; a withheld one only counted.
            if redacted:
                coverage.withheld_line(event.get('streamId'))
                if self.compliance is not None:
                    self.compliance.withheld_line(event.get('streamId'))
            else:
                coverage.event(event)
                self.documents.event(event)
                if self.compliance is not None:
                    self.compliance.event(event)
            if not isinstance(proof, dict) or not all(k in proof for k in PROOF_MEMBERS if k != 'redacted'):
                self.fail(pr_file, 'must hold %s' % ', '.join(PROOF_MEMBERS), line=line_no)
                continue
            if not (isinstance(proof['leafHash'], str) and HEX64.match(proof['leafHash'])) or not is_count(proof['leafIndex']) \
                    or not isinstance(proof['proof'], list) or not all(isinstance(p, str) and HEX64.match(p) for p in proof['proof']):
                self.fail(pr_file, 'leafHash, leafIndex or proof malformed', line=line_no)
                continue
            if proof['position'] != position:
                self.fail(pr_file, 'position %r is not the event\'s globalPosition %d' % (proof['position'], position), line=line_no)
                continue
            if proof['treeSize'] != tree_size:
                self.fail(pr_file, 'treeSize %r is not the signed tree size %d' % (proof['treeSize'], tree_size), line=line_no)
                continue
            index = proof['leafIndex']
            if index <= last_index:
                self.fail(pr_file, 'leafIndex %d does not increase' % index, line=line_no)
                continue
            if gap_free and index != position - 1:
                self.fail(ev_file, 'position %d is not its leaf index %d + 1: relabelled' % (position, index), line=line_no, position=position)
                continue
            if not gap_free and position <= last_position:
                self.fail(ev_file, 'position %d does not increase with the leaf index' % position, line=line_no, position=position)
                continue
            last_index, last_position = index, position
            self.cover(index, position)
            if redacted:
                leaf_hash = bytes.fromhex(proof['leafHash'])  # B.8: taken as given
                self.redacted += 1
            else:
                if two is not None:
                    leaf_text = two[0]
                else:
                    leaf = dict(event)
                    del leaf['globalPosition']
                    leaf_text = canonical(leaf)
                leaf_hash = sha256(b'\x00', leaf_text.encode('utf-8'))
                if leaf_hash.hex() != proof['leafHash']:
                    self.fail(ev_file, 'the recomputed leaf hash is not the proof\'s leafHash', line=line_no, position=position)
                    continue
            if not inclusion_ok(leaf_hash, index, tree_size, [bytes.fromhex(p) for p in proof['proof']], root):
                self.fail(pr_file, 'the inclusion proof does not lead to the signed root', line=line_no, position=position)
                continue
            if not redacted:
                self.events_proven += 1
                self.decision(event)
            sid = event['streamId']
            s = streams.get(sid)
            if s is None:
                # B.9: a stream whose first line is withheld has no firstAt to check.
                s = streams[sid] = {'next': 0, 'firstAt': None if redacted else business_time(event), 'names': set(), 'partial': False, 'inPeriod': False}
            if event['streamRevision'] != s['next']:
                self.fail(ev_file, 'stream %s: revision %d where %d was due (B.9)' % (sid, event['streamRevision'], s['next']), line=line_no, position=position)
            s['next'] = event['streamRevision'] + 1
            # B.9: a withheld line, or a redacted member, may hide what named the scope.
            s['partial'] = s['partial'] or redacted or bool(two and two[1])
            if not redacted:
                s['names'] |= names_in(event)
                # B.9: the period selects a stream by any of its events, not by its first.
                s['inPeriod'] = s['inPeriod'] or (scope is not None and in_period(business_time(event), scope))
        self.check_withheld()
        texts.finish(zf, entries)
        if self.stream_sha256(zf, entries['data/coverage.json']) != hashlib.sha256(coverage.text().encode('utf-8')).hexdigest():
            self.fail('data/coverage.json', 'is not the coverage derived from the proven events (B.15)')
        self.texts = texts
        return streams

    # ---- B.8 withheld events

    def withheld_line(self, event, line_no):
        w = event.get('$withheld')
        if sorted(event) != ['$withheld', 'globalPosition', 'streamId', 'streamRevision'] or not isinstance(w, dict) \
                or sorted(w) != ['eventId', 'ground'] or not isinstance(w['eventId'], str) or not isinstance(w['ground'], str):
            self.fail('data/events.jsonl', 'a withheld line is not {"$withheld":{"eventId","ground"},"globalPosition","streamId","streamRevision"}', line=line_no)
            return False
        if w['eventId'] in self.withheld:
            self.fail('data/events.jsonl', 'event %s is withheld twice' % w['eventId'], line=line_no)
        self.withheld[w['eventId']] = (w['ground'], line_no, event['globalPosition'])
        return True

    def decision(self, event):
        data = event.get('data')
        if event.get('type') != 'disclosure.RedactionsDecided' or not isinstance(data, dict) or data.get('requestId') != self.request_id \
                or not isinstance(data.get('redactions'), list):
            return
        grounds = {}
        rules = {}
        for r in data['redactions']:
            if isinstance(r, dict) and isinstance(r.get('eventId'), str) and isinstance(r.get('ground'), str):
                grounds.setdefault(r['eventId'], set()).add(r['ground'])
                rules.setdefault(r['eventId'], []).append((r.get('path'), r['ground']))
        self.decided = {k: ', '.join(sorted(v)) for k, v in grounds.items()}
        self.decided_rules = rules

    def check_withheld(self):
        for event_id, (ground, line_no, position) in self.withheld.items():
            decided = (self.decided or {}).get(event_id)
            if decided is None:
                self.fail('data/events.jsonl', 'event %s is withheld, but the last redaction decision of the request does not name it' % event_id, line=line_no, position=position)
            elif decided != ground:
                self.fail('data/events.jsonl', 'event %s is withheld on %r, the decision says %r' % (event_id, ground, decided), line=line_no, position=position)
        # B.8: a redacted member is named by the decision, by a rule at its pointer or under it, with the same grounds.
        for event_id, pointer, ground, line_no, position in self.redacted_fields:
            mine = [g for path, g in (self.decided_rules or {}).get(event_id, []) if isinstance(path, str) and under(event_pointer(path), pointer)]
            if not mine:
                self.fail('data/events.jsonl', '%s of event %s is shown redacted, but the last redaction decision of the request does not name it' % (pointer, event_id),
                          line=line_no, position=position)
            elif ', '.join(sorted(set(mine))) != ground:
                self.fail('data/events.jsonl', '%s of event %s is redacted on %r, the decision says %r' % (pointer, event_id, ground, ', '.join(sorted(set(mine)))),
                          line=line_no, position=position)

    # ---- B.11 external anchors

    def check_anchors(self, zf, info, head):
        f = ANCHORS_FILE
        previous, times, previous_of_kind, of_kind = 0, [], {}, {}
        for line_no, text in self.lines(zf, info):
            self.anchors['anchors'] = line_no
            if line_no > 2 * MAX_ANCHORS:
                self.fail(f, 'more than %d anchors (B.11a)' % (2 * MAX_ANCHORS), line=line_no)
                break
            try:
                a = parse_json(text)
            except ValueError as e:
                self.fail(f, 'not JSON: %s' % e, line=line_no)
                continue
            c = a.get('checkpoint') if isinstance(a, dict) else None
            if not (isinstance(a, dict) and sorted(a) == ANCHOR_MEMBERS and a.get('kind') in ('rfc3161', COSIGNATURE_KIND) and all(isinstance(a.get(k), str) for k in ('authority', 'genTime', 'token'))
                    and (a['kind'] == COSIGNATURE_KIND or BASE64.match(a['token']))
                    and isinstance(a.get('consistency'), list) and all(isinstance(h, str) and HEX64.match(h) for h in a['consistency'])
                    and isinstance(c, dict) and sorted(c) == ANCHOR_CHECKPOINT_MEMBERS and all(isinstance(c.get(k), str) for k in ('issuedAt', 'keyId', 'log', 'signature'))
                    and isinstance(c.get('rootHash'), str) and HEX64.match(c['rootHash']) and isinstance(c.get('treeSize'), int) and not isinstance(c['treeSize'], bool)):
                self.fail(f, 'not an anchor line (B.11)', line=line_no)
                continue
            if a['kind'] == 'rfc3161':
                self.anchors['checkedAgainst'] = 'pinned-tsa' if self.trusted_tsa else 'not-pinned'
            if canonical(a) != text:
                self.fail(f, 'the line is not canonical JSON (B.3)', line=line_no)
            m = c['treeSize']
            if not 1 <= m <= head['treeSize']:
                self.fail(f, 'tree size %d is not between 1 and the signed %d' % (m, head['treeSize']), line=line_no)
                continue
            if m < previous or m <= previous_of_kind.get(a['kind'], 0):
                self.fail(f, 'tree sizes do not increase', line=line_no)
            previous = previous_of_kind[a['kind']] = m
            of_kind[a['kind']] = of_kind.get(a['kind'], 0) + 1
            if of_kind[a['kind']] > MAX_ANCHORS:
                self.fail(f, 'more than %d anchors of one kind (B.11a)' % MAX_ANCHORS, line=line_no)
                break
            if not consistency_ok(m, head['treeSize'], bytes.fromhex(c['rootHash']), bytes.fromhex(head['rootHash']), [bytes.fromhex(h) for h in a['consistency']]):
                self.fail(f, 'the consistency proof from the anchored tree of %d does not lead to the signed root: history rewritten' % m, line=line_no)
                continue
            if a['kind'] == COSIGNATURE_KIND:
                result = self.check_cosigned(a, c)
                if result is None:
                    self.anchor_sizes.append(m)
                    times.append(a['genTime'])
                elif result != 'unpinned':
                    self.fail(f, result, line=line_no)
                continue
            if not self.trusted_tsa:
                continue
            body = canonical({k: v for k, v in c.items() if k != 'signature'}).encode('utf-8')
            try:
                token = base64.b64decode(a['token'], validate=True)
            except ValueError:
                self.fail(f, 'the token is not base64 (B.11)', line=line_no)
                continue
            gen_time = openssl_ts_verify(token, sha256(body).hex(), self.trusted_tsa)
            if gen_time is None:
                self.fail(f, 'the RFC 3161 token does not verify against the pinned TSA certificate (openssl ts -verify)', line=line_no)
                continue
            if gen_time != a['genTime']:
                self.fail(f, 'genTime %s, the token says %s' % (a['genTime'], gen_time), line=line_no)
                continue
            self.anchor_sizes.append(m)
            times.append(a['genTime'])
        self.anchor_since = times[:]
        for i in range(len(times) - 2, -1, -1):
            self.anchor_since[i] = min(self.anchor_since[i], self.anchor_since[i + 1])

    def check_cosigned(self, a, c):
        """B.11a: None when a pinned witness's cosignature verifies, 'unpinned' when the witness is not pinned, else the problem."""
        note = parse_signed_note(a['token'])
        if isinstance(note, str):
            return 'the cosigned checkpoint is not a signed note: ' + note
        text, signatures = note
        lines = text[:-1].split('\n')
        if len(lines) < 3 or '' in lines or not re.match(r'^(0|[1-9][0-9]*)\Z', lines[1]) or not canonical_b64(lines[2]) \
                or len(base64.b64decode(lines[2])) != 32:
            return 'the note text is not a checkpoint (B.11a)'
        if int(lines[1]) != c['treeSize'] or base64.b64decode(lines[2]).hex() != c['rootHash']:
            return "the cosigned checkpoint is not this line's tree head"
        pinned = [w for w in self.trusted_witnesses if w[0] == a['authority']]
        w = self.anchors['witnesses']
        if not pinned:
            if a['authority'] not in w['unpinned']:
                w['unpinned'].append(a['authority'])
            return 'unpinned'
        w['checked'] += 1
        name, key_id, key = pinned[0]
        time = None
        for sig_name, sig_id, sig in signatures:
            if sig_name != name or sig_id != key_id:
                continue  # another key: ignored
            ts = int.from_bytes(sig[:8], 'big') if len(sig) == 72 else 0
            if ts == 0 or ts > 2 ** 53 - 1:
                return 'the cosignature of %s is forged or altered (not a timestamped signature)' % name
            message = ('cosignature/v1\ntime %d\n' % ts).encode('utf-8') + text.encode('utf-8')
            pem = b'-----BEGIN PUBLIC KEY-----\n' + base64.b64encode(ED25519_SPKI_PREFIX + key) + b'\n-----END PUBLIC KEY-----\n'
            if not openssl_verify(pem, message, sig[8:]):
                return 'the cosignature of %s is forged or altered' % name
            if time is None:
                time = ts
        if time is None:
            return 'no cosignature by the pinned key of %s (key id %08x)' % (name, key_id)
        stated = datetime.fromtimestamp(time, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')
        if stated != a['genTime']:
            return 'genTime %s, the cosignature says %s' % (a['genTime'], stated)
        return None

    def cover(self, index, position):
        """B.11: the event at leaf `index` is anchored by the first checked anchor with treeSize > index."""
        while self.anchor_next < len(self.anchor_sizes) and self.anchor_sizes[self.anchor_next] <= index:
            self.anchor_next += 1
        if self.anchor_next == len(self.anchor_sizes):
            self.anchors['unanchored'] += 1
            return
        since = self.anchor_since[self.anchor_next]
        runs = self.anchors['anchored']
        if runs and runs[-1]['since'] == since:
            runs[-1]['events'] += 1
            runs[-1]['lastPosition'] = position
        else:
            runs.append({'since': since, 'events': 1, 'firstPosition': position, 'lastPosition': position})

    # ---- B.9 completeness

    def check_completeness(self, zf, entries, head, bag_info, streams):
        file = 'data/completeness.json'
        try:
            c = parse_json(self.read_small(zf, entries[file]).decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as e:
            self.fail(file, 'is not JSON: %s' % e)
            return
        strings = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
        scope = c.get('scope') if isinstance(c, dict) else None
        if not isinstance(scope, dict) or not all(strings(scope.get(k)) for k in ('patientPseudonyms', 'aiSystemIds', 'incidentIds')) \
                or not isinstance(c.get('streams'), list) or not all(isinstance(e, dict) for e in c['streams']):
            self.fail(file, 'does not state the scope and the streams in it')
            return
        if c.get('treeSize') != head['treeSize']:
            self.fail(file, 'treeSize %r is not the signed tree size %d' % (c.get('treeSize'), head['treeSize']))
        try:
            bag_scope = parse_json(self.bag_info_value(bag_info, 'Scope') or '')
        except ValueError:
            bag_scope = None
        if bag_scope is None or canonical(bag_scope) != canonical(scope):
            self.fail(file, 'its scope is not bag-info.txt\'s Scope')
        keys = scope_keys(scope)
        listed = {}
        for entry in c['streams']:
            sid = entry.get('streamId')
            if sid in listed:
                self.fail(file, 'lists stream %s twice' % sid)
            listed[sid] = entry
        for sid, seen in streams.items():
            entry = listed.get(sid)
            if entry is None or entry.get('included') is not True:
                self.fail(file, 'stream %s is in events.jsonl but not listed as included' % sid)
                continue
            last = seen['next'] - 1
            if last != entry.get('headRevision'):
                self.fail(file, 'stream %s: events.jsonl ends at revision %d, headRevision is %r' % (sid, last, entry.get('headRevision')))
            named = (seen['names'] & keys) | names_by_stream_id(sid, scope)
            matched = set(entry.get('matchedBy') or [])
            if not named and not seen['partial']:
                self.fail('data/events.jsonl', 'stream %s names nothing in the scope' % sid)
            # Where a value is withheld, the withheld value may be what named the scope: a subset is enough.
            if not (named <= matched if seen['partial'] else named == matched):
                self.fail(file, 'stream %s: matchedBy %s, but its events name %s' % (sid, sorted(matched), sorted(named)))
            at = seen['firstAt']
            if at is not None and entry.get('firstAt') != at:
                self.fail(file, 'stream %s: firstAt %r is not its first event\'s business time %r' % (sid, entry.get('firstAt'), at))
            if not included_always(sid, scope, named) and not seen['inPeriod'] and not seen['partial']:
                self.fail(file, 'stream %s: none of its events is in the period' % sid)
        for sid, entry in listed.items():
            if entry.get('included') is True:
                if sid not in streams:
                    self.fail(file, 'stream %s is marked included but has no events in events.jsonl' % sid)
            elif included_always(sid, scope, entry.get('matchedBy') or []) or in_period(entry.get('firstAt'), scope):
                self.fail(file, 'stream %s is in view and in the period, but was left out' % sid)

    # ---- B.16 the compliance file's documents

    def check_documents(self, zf, entries, scope):
        files = {}
        for name in self.manifest:
            if name.startswith(DOCUMENTS_DIR) and name in entries:
                files[name] = (self.stream_sha256(zf, entries[name]), entries[name].file_size)
        for name, (digest, size) in sorted(files.items()):
            claimed = name[len(DOCUMENTS_DIR):]
            if not HEX64.match(claimed):
                self.fail(name, 'a document is named by its SHA-256 (B.16)')
            elif digest != claimed:
                self.fail(name, 'the document was changed: its bytes do not hash to its name (B.16)')
            elif claimed not in self.documents.recorded:
                self.fail(name, 'no compliance.DocumentRecorded event in data/events.jsonl records this document (B.16)')
            elif size not in self.documents.recorded[claimed]:
                self.fail(name, 'the document is %d bytes, not the size its DocumentRecorded event records (B.16)' % size)
        if scope is None:
            return
        for digest in sorted(self.documents.required(scope.get('from'), scope.get('to'))):
            if DOCUMENTS_DIR + digest not in files:
                self.fail(DOCUMENTS_DIR + digest, 'a document that held in the period is missing from the bundle (B.16)')
    # ---- B.18 the compliance file as of a moment

    def claim_compliance_file(self, zf, entries, scope):
        if COMPLIANCE_FILE not in self.manifest or COMPLIANCE_FILE not in entries:
            return
        try:
            text = self.read_small(zf, entries[COMPLIANCE_FILE]).decode('utf-8')
            v = parse_json(text)
        except (ValueError, UnicodeDecodeError):
            self.fail(COMPLIANCE_FILE, 'is not JSON (B.18)')
            return
        if not isinstance(v, dict) or not isinstance(v.get('aiSystemId'), str) or not as_of_ok(v.get('asOf')):
            self.fail(COMPLIANCE_FILE, 'does not name the AI system (aiSystemId) and the moment (asOf, YYYY-MM-DDTHH:mm:ss.sssZ) (B.18)')
            return
        ids = scope.get('aiSystemIds') if scope is not None else None
        if not isinstance(ids, list) or v['aiSystemId'] not in ids:
            self.fail(COMPLIANCE_FILE, 'AI system %s is not in the scope\'s aiSystemIds: its streams need not be whole (B.18)' % v['aiSystemId'])
            return
        self.compliance, self.compliance_text = ComplianceFile(v['aiSystemId'], v['asOf']), text

    def check_compliance_file(self):
        if self.compliance is None:
            return
        if self.compliance.withheld:
            self.fail(COMPLIANCE_FILE, 'a line of ai-system-<id> or compliance-file-<id> is withheld: the file cannot be derived (B.18)')
            return
        try:
            derived = self.compliance.derive()
        except (TypeError, AttributeError, ValueError) as e:
            self.fail(COMPLIANCE_FILE, 'cannot be derived from the events: %s (B.18)' % e)
            return
        if derived is None:
            self.fail(COMPLIANCE_FILE, 'AI system %s is not registered by %s in the events shown (B.18)' % (self.compliance.id, self.compliance.as_of))
        elif derived != self.compliance_text:
            self.fail(COMPLIANCE_FILE, 'is not the compliance file derived from the proven events (B.18): %s' % first_difference(derived, self.compliance_text))

    # ---- B.17 the access-log extract

    def check_access_log(self, zf, entries, head, gap_free, scope):
        patients = scope.get('patientPseudonyms') if scope is not None else None
        scoped = []
        for p in patients if isinstance(patients, list) else []:
            if p not in scoped:
                scoped.append(p)
        if ACCESS_LOG not in entries:
            if scoped:
                self.fail(ACCESS_LOG, 'required: the scope names patients (B.17)')
            for name in (ACCESS_LOG_PROOFS, ACCESS_LOG_ANCHOR, ACCESS_LOG_SUBJECTS):
                if name in entries:
                    self.fail(name, 'present without %s' % ACCESS_LOG)
            return
        log_lines = self.lines(zf, entries[ACCESS_LOG])
        first = next(log_lines, None)
        if first is None and not scoped:
            return
        missing = [n for n in (ACCESS_LOG_PROOFS, ACCESS_LOG_ANCHOR) if n not in entries]
        for name in missing:
            self.fail(name, 'required: the scope names patients or %s has entries (B.17)' % ACCESS_LOG)
        if missing:
            return
        tree = self.access_log_anchor(zf, entries[ACCESS_LOG_ANCHOR], head, gap_free)
        proofs = self.lines(zf, entries[ACCESS_LOG_PROOFS])
        seen = set()
        shown = {}  # dataSubject -> seqs shown
        line = first
        while line is not None:
            line_no, text = line
            line = next(log_lines, None)
            proof_line = next(proofs, None)
            if proof_line is None:
                self.fail(ACCESS_LOG_PROOFS, 'has fewer lines than %s' % ACCESS_LOG)
                return
            try:
                e = parse_json(text)
                p = parse_json(proof_line[1])
            except ValueError as err:
                self.fail(ACCESS_LOG, 'not JSON (or its proof line is not): %s' % err, line=line_no)
                continue
            if not self.access_entry_ok(e):
                self.fail(ACCESS_LOG, 'not an access-log entry (B.17)', line=line_no)
                continue
            seq = e['seq']
            if seq in seen:
                self.fail(ACCESS_LOG, 'entry #%d is listed twice' % seq, line=line_no)
            seen.add(seq)
            if not isinstance(patients, list) or e['dataSubject'] not in patients:
                self.fail(ACCESS_LOG, 'entry #%d is about a data subject outside the scope' % seq, line=line_no)
            shown.setdefault(e['dataSubject'], []).append(seq)
            fields = [seq, e['entryId'], e['requestId'], e['at'], e['actor']['subject'], e['actor']['role'], e['action'], e['dataSubject'],
                      e['resource'], e.get('ip'), e.get('userAgent')]
            if hashlib.sha256((e['prevHash'] + '\n' + canonical(fields)).encode('utf-8')).hexdigest() != e['entryHash']:
                self.fail(ACCESS_LOG, 'entry #%d: its members do not hash to its entryHash' % seq, line=line_no)
                continue
            if tree is None:
                continue
            after, size, root, _ = tree
            if not isinstance(p, dict) or p.get('seq') != seq or p.get('treeSize') != size or isinstance(p.get('treeSize'), bool) \
                    or not isinstance(p.get('proof'), list) or not all(isinstance(x, str) and HEX64.match(x) for x in p['proof']):
                self.fail(ACCESS_LOG_PROOFS, 'not the proof of entry #%d in the anchored tree of %d entries' % (seq, size), line=line_no)
                continue
            if p.get('leafIndex') != seq - after - 1 or not is_count(p.get('leafIndex')):
                self.fail(ACCESS_LOG_PROOFS, 'entry #%d: leafIndex %r is not seq - afterSeq - 1' % (seq, p.get('leafIndex')), line=line_no)
                continue
            leaf = sha256(b'\x00', bytes.fromhex(e['entryHash']))
            if not inclusion_ok(leaf, p['leafIndex'], size, [bytes.fromhex(x) for x in p['proof']], root):
                self.fail(ACCESS_LOG, 'entry #%d: the inclusion proof does not lead to the anchored access-log root' % seq, line=line_no)
                continue
            self.access_log_proven += 1
        if next(proofs, None) is not None:
            self.fail(ACCESS_LOG_PROOFS, 'has more lines than %s' % ACCESS_LOG)
        if tree is None:
            return
        if tree[3] is None:
            if ACCESS_LOG_SUBJECTS in entries:
                self.fail(ACCESS_LOG_SUBJECTS, 'present, but the anchor event has no data.tree.subjects')
            return
        if ACCESS_LOG_SUBJECTS not in entries:
            self.fail(ACCESS_LOG_SUBJECTS, 'required: the anchor event has data.tree.subjects (B.17)')
            return
        self.access_log_subjects(zf, entries[ACCESS_LOG_SUBJECTS], tree, scoped, shown)

    def access_log_subjects(self, zf, info, tree, scoped, shown):
        """B.17, completeness: one line per distinct scope pseudonym, its leaf of the subject tree (or its absence)."""
        file = ACCESS_LOG_SUBJECTS
        after, size, _, (s_size, s_root) = tree

        def key_of(subject):
            return hashlib.sha256(('access-log-subject:' + subject).encode('utf-8')).digest()

        def proven(index, leaf, proof):
            return is_count(index) and index < s_size and isinstance(proof, list) \
                and all(isinstance(x, str) and HEX64.match(x) for x in proof) \
                and inclusion_ok(leaf, index, s_size, [bytes.fromhex(x) for x in proof], s_root)

        def neighbour(v):
            """(leafIndex, subjectKey bytes) of a proven neighbour, None for null, False when not proven."""
            if v is None:
                return None
            if not isinstance(v, dict) or not isinstance(v.get('subjectKey'), str) or not HEX64.match(v['subjectKey']) \
                    or not isinstance(v.get('seqsHash'), str) or not HEX64.match(v['seqsHash']):
                return False
            k = bytes.fromhex(v['subjectKey'])
            if not proven(v.get('leafIndex'), sha256(b'\x00', k, bytes.fromhex(v['seqsHash'])), v.get('proof')):
                return False
            return v['leafIndex'], k

        lines = self.lines(zf, info)
        for subject in scoped:
            got = next(lines, None)
            if got is None:
                self.fail(file, 'has fewer lines than the scope has patients')
                return
            line_no, text = got
            try:
                x = parse_json(text)
            except ValueError as err:
                self.fail(file, 'not JSON: %s' % err, line=line_no)
                continue
            if not isinstance(x, dict) or x.get('dataSubject') != subject or x.get('treeSize') != s_size or isinstance(x.get('treeSize'), bool):
                self.fail(file, 'not the line of the scope pseudonym %s' % subject, line=line_no)
                continue
            key = key_of(subject)
            mine = sorted(shown.get(subject, []))
            if x.get('absent') is True:
                left, right = neighbour(x.get('left')), neighbour(x.get('right'))
                ok = left is not False and right is not False and (left is not None or right is not None) \
                    and (left is None or left[1] < key) and (right is None or right[1] > key)
                if ok:
                    if left is None:
                        ok = right[0] == 0
                    elif right is None:
                        ok = left[0] == s_size - 1
                    else:
                        ok = right[0] == left[0] + 1
                if not ok:
                    self.fail(file, 'the absence of %s is not proven by two adjacent leaves around its key' % subject, line=line_no)
                    continue
                if mine:
                    self.fail(ACCESS_LOG, '%s is absent from the subject tree, yet the extract shows %d entries' % (subject, len(mine)))
                    continue
                self.access_log_complete += 1
                continue
            seqs = x.get('seqs')
            if not isinstance(seqs, list) or not seqs or not all(is_count(q) and after < q <= after + size for q in seqs) \
                    or any(seqs[i] <= seqs[i - 1] for i in range(1, len(seqs))):
                self.fail(file, 'seqs of %s are not ascending entry numbers of the anchored tree' % subject, line=line_no)
                continue
            seqs_hash = hashlib.sha256(b''.join(q.to_bytes(8, 'big') for q in seqs)).digest()
            if not proven(x.get('leafIndex'), sha256(b'\x00', key, seqs_hash), x.get('proof')):
                self.fail(file, 'the leaf of %s is not proven in the subject tree' % subject, line=line_no)
                continue
            if mine != seqs:
                left_out = [q for q in seqs if q not in mine]
                self.fail(ACCESS_LOG, 'the extract of %s is not complete: it shows %r, the anchored list is %r (left out: %r)' % (subject, mine, seqs, left_out))
                continue
            self.access_log_complete += 1
        if next(lines, None) is not None:
            self.fail(file, 'has more lines than the scope has patients')

    @staticmethod
    def access_entry_ok(e):
        if not isinstance(e, dict) or not is_count(e.get('seq')) or e['seq'] < 1:
            return False
        if not all(isinstance(e.get(k), str) for k in ('entryId', 'requestId', 'at', 'action', 'dataSubject', 'resource', 'prevHash', 'entryHash')):
            return False
        actor = e.get('actor')
        if not isinstance(actor, dict) or not isinstance(actor.get('subject'), str) or not isinstance(actor.get('role'), str):
            return False
        if any(k in e and e[k] is not None and not isinstance(e[k], str) for k in ('ip', 'userAgent')):
            return False
        return bool(HEX64.match(e['prevHash']) and HEX64.match(e['entryHash']))

    def access_log_anchor(self, zf, info, head, gap_free):
        """B.17: the anchor event, checked as a line of events.jsonl with its proof line; (afterSeq, size, root) of its tree."""
        file = ACCESS_LOG_ANCHOR
        lines = list(self.lines(zf, info))
        if len(lines) != 2:
            self.fail(file, 'must hold exactly two lines')
            return None
        try:
            event, proof = parse_json(lines[0][1]), parse_json(lines[1][1])
        except ValueError as err:
            self.fail(file, 'not JSON: %s' % err)
            return None
        data = event.get('data') if isinstance(event, dict) else None
        tree = data.get('tree') if isinstance(data, dict) else None
        if not isinstance(event, dict) or event.get('type') != 'identity.AccessLogAnchored' or event.get('streamId') != 'access-log-anchors' \
                or not is_count(event.get('globalPosition')) or not isinstance(tree, dict) or not is_count(tree.get('afterSeq')) \
                or not is_count(tree.get('size')) or tree['size'] < 1 or not isinstance(tree.get('rootHash'), str) or not HEX64.match(tree['rootHash']) \
                or data.get('seq') != tree['afterSeq'] + tree['size'] or isinstance(data.get('seq'), bool) \
                or ('subjects' in tree and not (isinstance(tree['subjects'], dict) and is_count(tree['subjects'].get('size'))
                                                and tree['subjects']['size'] >= 1 and isinstance(tree['subjects'].get('rootHash'), str)
                                                and HEX64.match(tree['subjects']['rootHash']))):
            self.fail(file, 'line 1 is not an identity.AccessLogAnchored event of access-log-anchors with data.tree {afterSeq, rootHash, size}')
            return None
        position = event['globalPosition']
        if canonical(event) != lines[0][1]:
            self.fail(file, 'the anchor event is not canonical JSON (B.3)', position=position)
            return None
        if 'leafFormat' in event:
            leaf_text, redacted, problems = format_two_leaf(event)
            if redacted or problems:
                self.fail(file, 'the anchor event must have every member opened (B.4a)', position=position)
                return None
        else:
            leaf = dict(event)
            del leaf['globalPosition']
            leaf_text = canonical(leaf)
        leaf_hash = sha256(b'\x00', leaf_text.encode('utf-8'))
        ok = isinstance(proof, dict) and proof.get('position') == position and proof.get('leafHash') == leaf_hash.hex() \
            and proof.get('treeSize') == head['treeSize'] and is_count(proof.get('leafIndex')) \
            and (not gap_free or proof['leafIndex'] == position - 1) \
            and isinstance(proof.get('proof'), list) and all(isinstance(x, str) and HEX64.match(x) for x in proof['proof']) \
            and inclusion_ok(leaf_hash, proof['leafIndex'], head['treeSize'], [bytes.fromhex(x) for x in proof['proof']], bytes.fromhex(head['rootHash']))
        if not ok:
            self.fail(file, 'the access-log anchor is not proven to be in the signed tree (B.4-B.6)', position=position)
            return None
        subjects = tree.get('subjects')
        return tree['afterSeq'], tree['size'], bytes.fromhex(tree['rootHash']), \
            None if subjects is None else (subjects['size'], bytes.fromhex(subjects['rootHash']))

    # ---- all of it

    def run(self):
        try:
            with zipfile.ZipFile(self.path) as zf:
                entries = self.check_zip(zf)
                texts = self.check_bag(zf, entries)
                if texts is None or self.problems:
                    return
                bag_info = texts['bag-info.txt']
                head = self.check_head(zf, entries)
                if head is None:
                    return
                statement = self.check_statement(zf, entries, head, bag_info)
                mode = self.bag_info_value(bag_info, 'Log-Positions') or 'gap-free'
                if mode not in ('gap-free', 'sparse'):
                    self.fail('bag-info.txt', 'Log-Positions is neither gap-free nor sparse')
                    return
                # The period of B.9, from bag-info's Scope (check_completeness holds completeness.json to the same).
                try:
                    scope = parse_json(self.bag_info_value(bag_info, 'Scope') or '')
                except ValueError:
                    scope = None
                self.request_id = self.bag_info_value(bag_info, 'Disclosure-Request-Id')
                if ANCHORS_FILE in entries:
                    self.check_anchors(zf, entries[ANCHORS_FILE], head)
                # B.18: a compliance-file export names its system and moment; the file is derived from the events.
                self.claim_compliance_file(zf, entries, scope if isinstance(scope, dict) else None)
                streams = self.check_events(zf, entries, head, mode == 'gap-free', scope if isinstance(scope, dict) else None)
                if statement is not None and (statement['eventCount'] != self.event_lines or isinstance(statement['eventCount'], bool)):
                    self.fail(STATEMENT, 'eventCount %r is not the %d lines of data/events.jsonl' % (statement['eventCount'], self.event_lines))
                self.check_completeness(zf, entries, head, bag_info, streams)
                self.check_documents(zf, entries, scope if isinstance(scope, dict) else None)
                self.check_compliance_file()
                self.check_access_log(zf, entries, head, mode == 'gap-free', scope if isinstance(scope, dict) else None)
        except Refused as r:
            file, problem = r.args[0]
            self.fail(file, problem)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
            self.fail('', 'the zip cannot be read: %s' % e)

    def verdict(self):
        ok = not self.problems
        return {
            'ok': ok,
            'eventsProven': self.events_proven if ok else 0,
            'redacted': self.redacted if ok else 0,
            'signedBy': self.signed_by,
            'texts': {'proven': self.texts.proven, 'notProvable': self.texts.not_provable, 'withheld': self.texts.withheld} if self.texts else None,
            'anchors': self.anchors,
            'accessLogProven': self.access_log_proven if ok else 0,
            'accessLogComplete': self.access_log_complete if ok else 0,
            'problems': self.problems,
        }


# ---------------------------------------------------------------- helpers

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def inclusion_ok(leaf_hash, index, size, proof, root):
    """B.6, RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    r, fn, sn = leaf_hash, index, size - 1
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha256(b'\x01', p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b'\x01', r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(first, second, first_hash, second_hash, path):
    """B.11, RFC 9162 §2.1.4.2 (equal sizes: an empty path and equal roots)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = sha256(b'\x01', c, fr), sha256(b'\x01', c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha256(b'\x01', sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']


def openssl_ts_verify(token, digest_hex, ca_file):
    """B.11: the token's genTime (ISO 8601, milliseconds) if `openssl ts -verify` accepts it at that time, else None."""
    with tempfile.TemporaryDirectory(prefix='verify-bundle-') as d:
        path = os.path.join(d, 'token.tst')
        with open(path, 'wb') as f:
            f.write(token)
        text = subprocess.run(['openssl', 'ts', '-reply', '-in', path, '-token_in', '-token_out', '-text'], capture_output=True, timeout=30)
        m = re.search(r'^Time stamp: (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4}) GMT$', text.stdout.decode('utf-8', 'replace'), re.M)
        if text.returncode != 0 or not m or m.group(1) not in MONTHS:
            return None
        mon, day, hh, mm, ss, frac, year = m.groups()
        gen_time = '%s-%02d-%02dT%s:%s:%s.%sZ' % (year, MONTHS.index(mon) + 1, int(day), hh, mm, ss, (frac or '')[:3].ljust(3, '0'))
        epoch = int(calendar.timegm((int(year), MONTHS.index(mon) + 1, int(day), int(hh), int(mm), int(ss))))
        r = subprocess.run(['openssl', 'ts', '-verify', '-digest', digest_hex, '-in', path, '-token_in', '-CAfile', ca_file,
                            '-attime', str(epoch)], capture_output=True, timeout=30)
        return gen_time if r.returncode == 0 and b'Verification: OK' in r.stdout else None


# B.9: what names a scope key, when an event happened, and the period.
LEDGER_KEYS = 'ledger-keys'
TIME_MEMBERS = [
    'decidedAt', 'occurredAt', 'awareAt', 'correctedAt', 'withdrawnAt', 'linkedAt', 'registeredAt', 'changedAt',
    'suspendedAt', 'resumedAt', 'receivedAt', 'exportedAt', 'deliveredAt', 'closedAt', 'activatedAt', 'placedAt', 'releasedAt',
]
NAMING_MEMBERS = {
    'patientPseudonym': 'patient', 'patientPseudonyms': 'patient',
    'aiSystemId': 'aiSystem', 'aiSystemIds': 'aiSystem',
    'incidentId': 'incident', 'incidentIds': 'incident',
}


# ---------------------------------------------------------------- B.4a leaf format 2

COMMITTED_NAMES = {'actor', 'reviewer', 'requester', 'oversightPersons', 'idempotencyKey', 'patientPseudonym', 'patientPseudonyms',
                   'reason', 'narrative', 'note', 'correctionNote', 'description', 'rationale', 'awarenessReason', 'conclusion', 'reasons', 'title',
                   'summary', 'person', 'approver'}


def committed(name):
    return name in COMMITTED_NAMES or (len(name) > 2 and name.endswith('By'))


def marker_of(v):
    """B.4a: the {commitment, ground} of a redaction marker; None when v is no marker; False when malformed."""
    if not isinstance(v, dict) or '$redacted' not in v:
        return None
    r = v['$redacted']
    if len(v) == 1 and isinstance(r, dict) and sorted(r) == ['commitment', 'ground'] and isinstance(r['commitment'], str) \
            and re.fullmatch(r'[0-9a-f]{64}', r['commitment']) and isinstance(r['ground'], str):
        return r
    return False


def format_two_leaf(event):
    """B.4a: (leaf text, [(pointer, ground)] of redacted members, problems) of a leaf-format-2 line.
    The salts come from exactly one of 'seed' (HMAC-SHA256 keyed with it over the pointer; then
    nothing may be redacted) and 'salts' (one per opened member)."""
    problems, redacted, used, given = [], [], set(), {}
    if event.get('leafFormat') != 2 or isinstance(event.get('leafFormat'), bool):
        problems.append('leafFormat is %r, not 2' % (event.get('leafFormat'),))
    seed = None
    form_ok = True
    if 'seed' in event and 'salts' in event:
        problems.append('a leaf-format-2 line has "salts" or "seed", not both')
        form_ok = False
    elif 'seed' in event:
        if isinstance(event['seed'], str) and re.fullmatch(r'[0-9a-f]{64}', event['seed']):
            seed = bytes.fromhex(event['seed'])
        else:
            problems.append('the seed is not 64 lower-case hex digits')
            form_ok = False
    elif not isinstance(event.get('salts'), dict):
        problems.append('a leaf-format-2 line has an object "salts" or a "seed"')
        form_ok = False
    else:
        for p, x in event['salts'].items():
            if isinstance(x, str) and re.fullmatch(r'[0-9a-f]{64}', x):
                given[p] = x
            else:
                problems.append('the salt of %s is not 64 lower-case hex digits' % p)

    def commit(pointer, value):
        m = marker_of(value)
        if m is False:
            problems.append('%s: a malformed redaction marker' % pointer)
            return value
        if m:
            if 'seed' in event:
                problems.append('%s is redacted in a line that shows its seed' % pointer)
            if pointer in given:
                problems.append('%s is redacted and yet has a salt' % pointer)
            used.add(pointer)
            redacted.append((pointer, m['ground']))
            return {'$commitment': m['commitment']}
        if seed is not None:
            salt = hmac.new(seed, pointer.encode('utf-8'), hashlib.sha256).digest()
        elif pointer in given:
            salt = bytes.fromhex(given[pointer])
            used.add(pointer)
        else:
            if form_ok:
                problems.append('%s is shown without its salt' % pointer)
            return value
        return {'$commitment': hashlib.sha256(salt + canonical(value).encode('utf-8')).hexdigest()}

    def walk(v, base):
        if isinstance(v, list):
            return [walk(x, '%s/%d' % (base, i)) for i, x in enumerate(v)]
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                p = base + '/' + k.replace('~', '~0').replace('/', '~1')
                out[k] = commit(p, x) if committed(k) else walk(x, p)
            return out
        return v

    leaf = {k: v for k, v in event.items() if k not in ('globalPosition', 'salts', 'seed')}
    for member in ('data', 'metadata'):
        if member in event:
            leaf[member] = walk(event[member], '/' + member)
    problems.extend('the salt of %s opens no committed member' % p for p in given if p not in used)
    return canonical(leaf), redacted, problems


def event_pointer(path):
    """B.8: a decision's path as a pointer in the event (a path outside /data/ and /metadata/ is inside data)."""
    return path if path.startswith('/data/') or path.startswith('/metadata/') else '/data' + path


def under(path, pointer):
    return path == pointer or path.startswith(pointer + '/')


def redacted_text(v):
    m = marker_of(v)
    return '[redacted: %s]' % m['ground'] if m else None


def scope_keys(scope):
    return {'patient:' + p for p in scope['patientPseudonyms']} | {'aiSystem:' + a for a in scope['aiSystemIds']} | {'incident:' + i for i in scope['incidentIds']}


def names_in(event):
    """The keys an event's data names: a naming member at any depth of data; a string value, or each
    string element of an array value. Walked with a stack, not recursion (hostile lines nest deep)."""
    out = set()
    stack = [event.get('data')]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(x for x in v if isinstance(x, (dict, list)))
            continue
        if not isinstance(v, dict):
            continue
        for k, x in v.items():
            prefix = NAMING_MEMBERS.get(k)
            if prefix is not None:
                if isinstance(x, str):
                    out.add(prefix + ':' + x)
                elif isinstance(x, list):
                    out |= {prefix + ':' + y for y in x if isinstance(y, str)}
            if isinstance(x, (dict, list)):
                stack.append(x)
    return out


def names_by_stream_id(stream_id, scope):
    if stream_id == LEDGER_KEYS:
        return {LEDGER_KEYS}
    return {'aiSystem:' + a for a in scope['aiSystemIds'] if stream_id == 'ai-system-' + a} | \
        {'incident:' + i for i in scope['incidentIds'] if stream_id == 'incident-' + i} | \
        {'patient:' + p for p in scope['patientPseudonyms'] if stream_id == 'data-subject-' + p}


def business_time(event):
    data = event.get('data') if isinstance(event.get('data'), dict) else {}
    for m in TIME_MEMBERS:
        if isinstance(data.get(m), str):
            return data[m]
    for k, v in data.items():  # in the line's (canonical) order
        if k.endswith('At') and isinstance(v, str):
            return v
    return event.get('recordedAt')


def included_always(sid, scope, matched):
    """B.9: in a bundle whatever the period: the ledger's keys, the own stream of each AI system in
    scope, and the compliance file of an AI system in scope (B.16)."""
    if not isinstance(sid, str):
        return False
    if sid == LEDGER_KEYS:
        return True
    if sid.startswith('ai-system-') and sid[len('ai-system-'):] in scope['aiSystemIds']:
        return True
    return sid.startswith('compliance-file-') and any(k.startswith('aiSystem:') for k in matched)


def in_period(at, scope):
    """Both ends inclusive, compared as strings; null is open (so a missing time is in an open period)."""
    ok = lambda cmp, bound: not bound or (isinstance(at, str) and isinstance(bound, str) and cmp(at, bound))
    return ok(lambda x, y: x >= y, scope.get('from')) and ok(lambda x, y: x <= y, scope.get('to'))


# ---------------------------------------------------------------- B.12 texts and the timeline

TEXT_COMMITMENT = 'text-commitment-v1'
NOT_PROVABLE = '[not provable (written before %s)]' % TEXT_COMMITMENT
TEXT_FIELDS = ['reason', 'narrative', 'note', 'correctionNote', 'description', 'rationale', 'awarenessReason', 'conclusion', 'reasons', 'title', 'summary']
TIMELINE_COLUMNS = ['position', 'streamId', 'revision', 'type', 'label', 'labelNl', 'occurredAt', 'recordedAt', 'late', 'actor', 'role',
                    'patient', 'aiSystem', 'incident', 'decision', 'text']
REPORT_ROWS = 2000
EVENTS_TABLE_HEAD = ('<table><thead><tr><th>#</th><th>Occurred / Gebeurd</th><th>Recorded / Geregistreerd</th><th>What / Wat</th>'
                     '<th>Who / Wie</th><th>Patient</th><th>Decision / Besluit</th><th>Text / Toelichting</th></tr></thead>')
# B.12's table, type -> (label, labelNl).
LABELS = {
    'ai-systems.AiSystemRegistered': ('AI system registered', 'AI-systeem geregistreerd'),
    'ai-systems.AiSystemVersionChanged': ('AI system version changed', 'Versie AI-systeem gewijzigd'),
    'ai-systems.AiSystemUseSuspended': ('Use of AI system suspended', 'Gebruik AI-systeem opgeschort'),
    'ai-systems.AiSystemUseResumed': ('Use of AI system resumed', 'Gebruik AI-systeem hervat'),
    'ai-systems.OutputReviewLimitSet': ('Review limit for AI outputs set', 'Beoordelingstermijn voor AI-uitkomsten ingesteld'),
    'compliance.SystemClassified': ('AI system classified (role and risk class)', 'AI-systeem geclassificeerd (rol en risicoklasse)'),
    'compliance.ModificationAssessed': ('Change to the AI system assessed (AI Act Art. 25)', 'Wijziging AI-systeem beoordeeld (AI-verordening art. 25)'),
    'compliance.CompetencePolicySet': ('Competence policy for reviews set', 'Bekwaamheidsbeleid voor beoordelingen ingesteld'),
    'compliance.CompetenceRecorded': ('Training and authority to oversee recorded', 'Training en bevoegdheid tot toezicht vastgelegd'),
    'compliance.CompetenceWithdrawn': ('Authority to oversee withdrawn', 'Bevoegdheid tot toezicht ingetrokken'),
    'compliance.AssessmentRecorded': ('Assessment recorded (FRIA, DPIA or risk analysis)', 'Beoordeling vastgelegd (FRIA, DPIA of risicoanalyse)'),
    'compliance.DocumentRecorded': ('Document uploaded to the compliance file', 'Document toegevoegd aan het nalevingsdossier'),
    'compliance.DocumentSuperseded': ('Document superseded by a newer one', 'Document vervangen door een nieuwer'),
    'compliance.DocumentWithdrawn': ('Document withdrawn', 'Document ingetrokken'),
    'compliance.InformationDutyRecorded': ('How people are informed about the AI system recorded', 'Wijze van informeren over het AI-systeem vastgelegd'),
    'compliance.SubjectRequestReceived': ('Explanation or access request received (AI Act Art. 86, GDPR Art. 15)', 'Verzoek om uitleg of inzage ontvangen (AI-verordening art. 86, AVG art. 15)'),
    'compliance.SubjectRequestExtended': ('Request deadline extended (GDPR Art. 12(3))', 'Termijn verzoek verlengd (AVG art. 12 lid 3)'),
    'compliance.SubjectRequestAnswered': ('Request answered', 'Verzoek beantwoord'),
    'compliance.SubjectRequestRefused': ('Request refused', 'Verzoek geweigerd'),
    'compliance.SubjectRequestWithdrawn': ('Request withdrawn by the requester', 'Verzoek ingetrokken door verzoeker'),
    'ai-systems.SupplierNoticeReceived': ('Supplier notice received (field safety notice or security advisory)', 'Bericht van leverancier ontvangen (veiligheidsmededeling of beveiligingsadvies)'),
    'ai-systems.SupplierNoticeActionRecorded': ('Action on a supplier notice recorded', 'Actie op bericht van leverancier vastgelegd'),
    'ai-systems.SupplierNoticeClosed': ('Supplier notice closed', 'Bericht van leverancier afgesloten'),
    'oversight.AiOutputProduced': ('AI output produced (by feed)', 'AI-uitkomst geproduceerd (via feed)'),
    'oversight.AiOutputReviewed': ('AI output reviewed', 'AI-uitkomst beoordeeld'),
    'oversight.ReviewCorrected': ('Review corrected', 'Beoordeling gecorrigeerd'),
    'oversight.ReviewWithdrawn': ('Review withdrawn', 'Beoordeling ingetrokken'),
    'oversight.ReviewLinkedToIncident': ('Review linked to incident', 'Beoordeling gekoppeld aan incident'),
    'evidence.LedgerSigningKeyActivated': ('Ledger signing key activated', 'Ondertekeningssleutel grootboek geactiveerd'),
    'incidents.IncidentDetected': ('Incident detected', 'Incident gemeld'),
    'incidents.AwarenessEstablished': ('Awareness established (clock starts)', 'Moment van kennisname vastgesteld'),
    'incidents.IncidentClassified': ('Incident classified', 'Incident geclassificeerd'),
    'incidents.DeadlinesComputed': ('Reporting deadlines computed', 'Meldtermijnen berekend'),
    'incidents.DeadlinesRecomputed': ('Reporting deadlines recomputed (rulebook correction)', 'Meldtermijnen herberekend (correctie regelboek)'),
    'incidents.ProviderUnreachable': ('Provider could not be reached (AI Act Art. 26(5))', 'Aanbieder onbereikbaar (AI-verordening art. 26 lid 5)'),
    'incidents.InvestigationReportTermSet': ('IGJ investigation-report term set', 'Termijn onderzoeksrapport IGJ vastgelegd'),
    'incidents.ReportResendRequested': ('Report sent again', 'Rapport opnieuw verzonden'),
    'incidents.CalamityEstablished': ('Calamity established (Wkkgz)', 'Calamiteit vastgesteld (Wkkgz)'),
    'incidents.CalamityRuledOut': ('Not a calamity (Wkkgz)', 'Geen calamiteit (Wkkgz)'),
    'incidents.SupplierNotified': ('Supplier notified', 'Leverancier geïnformeerd'),
    'incidents.AuthorityNotified': ('Authority notified', 'Toezichthouder geïnformeerd'),
    'incidents.FollowUpReported': ('Follow-up reported', 'Vervolgrapportage gedaan'),
    'incidents.ReportDelivered': ('Report delivered', 'Rapport afgeleverd'),
    'incidents.ReportDeliveryFailed': ('Report delivery failed', 'Aflevering rapport mislukt'),
    'incidents.SupplierAcknowledged': ('Supplier acknowledged', 'Leverancier bevestigde ontvangst'),
    'incidents.InvestigationNoteAdded': ('Investigation note added', 'Onderzoeksnotitie toegevoegd'),
    'incidents.IncidentClosed': ('Incident closed', 'Incident gesloten'),
    'incidents.IncidentReopened': ('Incident reopened', 'Incident heropend'),
    'incidents.SystemUseSuspended': ('AI system use suspended for the incident', 'Gebruik AI-systeem opgeschort vanwege incident'),
    'monitoring.OutcomeConfirmed': ('Confirmed outcome of an AI output recorded', 'Bevestigde uitkomst van een AI-uitkomst vastgelegd'),
    'monitoring.OutcomeCorrected': ('Confirmed outcome corrected', 'Bevestigde uitkomst gecorrigeerd'),
    'monitoring.ThresholdsSet': ('Monitoring thresholds set', 'Drempels voor monitoring ingesteld'),
    'monitoring.ThresholdBreached': ('Monitoring threshold breached (alert)', 'Drempel voor monitoring overschreden (signaal)'),
    'monitoring.ThresholdRecovered': ('Monitored figure back within its threshold', 'Gemonitorde waarde weer binnen de drempel'),
    'monitoring.AlertIncidentOpened': ('Incident opened for a monitoring alert', 'Incident geopend voor een monitoringsignaal'),
    'monitoring.AlertDismissed': ('Monitoring alert dismissed', 'Monitoringsignaal afgewezen'),
    'retention.LogArtefactRecorded': ('Log artefact recorded', 'Logbestand vastgelegd'),
    'retention.RetentionPolicySet': ('Retention policy set', 'Bewaarbeleid vastgesteld'),
    'retention.RetentionSet': ('Retention period set', 'Bewaartermijn vastgesteld'),
    'retention.PurgeRequested': ('Purge requested', 'Vernietiging aangevraagd'),
    'retention.PurgeRefused': ('Purge refused', 'Vernietiging geweigerd'),
    'retention.LogArtefactPurged': ('Log artefact purged', 'Logbestand vernietigd'),
    'retention.PurgeRevoked': ('Purge taken back for a legal hold', 'Vernietiging teruggedraaid wegens juridische bewaarplicht'),
    'retention.LogArtefactDownloaded': ('Log artefact downloaded', 'Logbestand gedownload'),
    'retention.LegalHoldPlaced': ('Legal hold placed', 'Juridische bewaarplicht opgelegd'),
    'retention.LegalHoldReviewed': ('Legal hold reviewed', 'Juridische bewaarplicht herbeoordeeld'),
    'retention.LegalHoldReleased': ('Legal hold released', 'Juridische bewaarplicht opgeheven'),
    'identity.DataSubjectKeyShredded': ('Personal data erased (key destroyed)', 'Persoonsgegevens gewist (sleutel vernietigd)'),
    'identity.ErasureRestricted': ('Erasure restricted', 'Wissen beperkt'),
    'identity.ErasureDecided': ('Erasure decided (grounds checked again before the key is destroyed)', 'Wissen besloten (gronden opnieuw gecontroleerd voor vernietiging sleutel)'),
    'disclosure.DisclosureScopeChanged': ('Disclosure scope changed', 'Reikwijdte openlegging gewijzigd'),
    'disclosure.RedactionsDecided': ('Redactions decided', 'Weglakkingen vastgesteld'),
    'disclosure.DisclosureDelivered': ('Disclosure delivered', 'Openlegging afgeleverd'),
    'disclosure.DisclosureClosed': ('Disclosure request closed', 'Verzoek tot openlegging gesloten'),
    'disclosure.DisclosureRequestReceived': ('Disclosure request received', 'Verzoek tot openlegging ontvangen'),
    'disclosure.BundleExported': ('Evidence bundle exported', 'Bewijspakket geëxporteerd'),
}


def js_json(v):
    """A value as JSON.stringify writes it: members in their order, no whitespace, strings as in B.3."""
    if v is None:
        return 'null'
    if v is True or v is False:
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return _es_number(v)
    if isinstance(v, str):
        return _es_string(v)
    if isinstance(v, list):
        return '[' + ','.join(js_json(x) for x in v) + ']'
    return '{' + ','.join(_es_string(k) + ':' + js_json(x) for k, x in v.items()) + '}'


def as_text(v):
    """A cell's value as text (B.12): null as empty, true/false, numbers in decimal, objects as JSON."""
    if isinstance(v, str):
        return v
    if v is None:
        return ''
    return js_json(v)


def csv_row(values):
    cells = []
    for v in values:
        s = as_text(v)
        if s[:1] in ('=', '+', '-', '@', '\t', '\r'):
            s = "'" + s
        if any(c in s for c in '",\r\n'):
            s = '"' + s.replace('"', '""') + '"'
        cells.append(s)
    return ','.join(cells) + '\r\n'


_HTML = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\n': '&#10;', '\r': '&#13;'}


def esc(v):
    return ''.join(_HTML.get(c, c) for c in as_text(v))


_ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?$')


def iso_ms(s):
    """An ISO 8601 time (date alone = UTC midnight) in milliseconds since 1970, or None."""
    m = _ISO.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    try:
        t = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
    if zone and zone != 'Z':
        t -= (1 if zone[0] == '+' else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return int((t - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 1000 + int((frac or '0')[:3].ljust(3, '0'))


def timeline_row(event, texts):
    data = event.get('data') if isinstance(event.get('data'), dict) else {}
    occurred = business_time(event)
    meta = event.get('metadata')
    actor = meta.get('actor') if isinstance(meta, dict) else None
    actor_redacted = redacted_text(actor)  # B.12: a redacted actor shows its grounds in both cells
    actor = actor if isinstance(actor, dict) else {}
    label, label_nl = LABELS.get(event.get('type'), (event.get('type'), event.get('type'))) if isinstance(event.get('type'), str) else (event.get('type'),) * 2
    recorded, started = iso_ms(event.get('recordedAt')), iso_ms(occurred)
    string = lambda k: data[k] if isinstance(data.get(k), str) else redacted_text(data.get(k))
    row = {
        'position': event['globalPosition'], 'streamId': event['streamId'], 'revision': event['streamRevision'], 'type': event.get('type'),
        'label': label, 'labelNl': label_nl, 'occurredAt': occurred, 'recordedAt': event.get('recordedAt'),
        'late': recorded is not None and started is not None and recorded - started > 3600000,
        'actor': actor_redacted or (actor.get('subject') if actor.get('subject') is not None else ''),
        'role': actor_redacted or (actor.get('role') if actor.get('role') is not None else ''),
        'patient': string('patientPseudonym'), 'aiSystem': string('aiSystemId'), 'incident': string('incidentId'), 'decision': string('decision'),
        'text': ' | '.join(texts) if texts else None,
    }
    return row


def withheld_row(event):
    """B.12: the row of a withheld line: its place and its grounds, nothing else."""
    return {
        'position': event['globalPosition'], 'streamId': event['streamId'], 'revision': event['streamRevision'], 'type': 'withheld',
        'label': 'Event withheld (redacted)', 'labelNl': 'Gebeurtenis achtergehouden (weggelakt)', 'occurredAt': '', 'recordedAt': '',
        'late': False, 'actor': '', 'role': '', 'patient': None, 'aiSystem': None, 'incident': None, 'decision': None,
        'text': '[withheld: %s]' % event['$withheld']['ground'],
    }


def event_row_html(r):
    return '<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s<br><small>%s</small></td><td>%s<br><small>%s</small></td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
        ' class="late"' if r['late'] else '', as_text(r['position']), esc(r['occurredAt']), esc(r['recordedAt']), esc(r['label']), esc(r['labelNl']),
        esc(r['actor']), esc(r['role']), esc(r['patient']), esc(r['decision']), esc(r['text']))


class Texts:
    """B.12 in one pass with the events: each encrypted text opened by its plaintexts.jsonl line, and
    the timeline files and report.html's events table derived (hashed as made; report rows kept)."""
    FORMS = {('field', 'position', 'salt', 'text'), ('field', 'position', 'text', 'unproven'), ('field', 'position', 'withheld')}

    def __init__(self, verifier, lines):
        self.v = verifier
        self.lines = lines
        self.line_no = 0
        self.json = hashlib.sha256(b'[\n')
        self.csv = hashlib.sha256(csv_row(TIMELINE_COLUMNS).encode('utf-8'))
        self.rows = 0
        self.report_rows = []
        self.proven = self.not_provable = self.withheld = 0

    def opened(self, position, field, value, proven):
        """The text shown for one encrypted member, after checking its line."""
        file = 'data/plaintexts.jsonl'
        nxt = next(self.lines, None)
        if nxt is None:
            self.v.fail(file, 'no line for the %s text of the event at position %d' % (field, position))
            return ''
        self.line_no, text = nxt
        try:
            o = parse_json(text)
        except ValueError:
            o = None
        if not isinstance(o, dict) or canonical(o) != text or tuple(sorted(o)) not in self.FORMS \
                or not isinstance(o.get('field'), str) or not is_count(o.get('position')):
            self.v.fail(file, 'not one of the three forms of B.12 in canonical JSON', line=self.line_no)
            return ''
        if o['position'] != position or o['field'] != field:
            self.v.fail(file, 'is for %s at %d, where %s at %d was due' % (o['field'], o['position'], field, position), line=self.line_no)
            return ''
        committed = isinstance(value.get('commitment'), str)
        if 'salt' in o:
            if not (isinstance(o['salt'], str) and HEX64.match(o['salt']) and isinstance(o['text'], str)):
                self.v.fail(file, 'salt or text malformed', line=self.line_no)
                return ''
            if not committed:
                self.v.fail(file, 'opens a text that has no commitment', line=self.line_no)
                return ''
            try:
                mac = hmac.new(bytes.fromhex(o['salt']), o['text'].encode('utf-8'), hashlib.sha256).hexdigest()
            except UnicodeEncodeError:
                mac = None
            if mac != value['commitment']:
                self.v.fail(file, 'the text does not match the commitment in the event at position %d' % position, line=self.line_no)
                return ''
            self.proven += 1 if proven else 0
            return o['text']
        if 'unproven' in o:
            if o['unproven'] != 'written before ' + TEXT_COMMITMENT or not isinstance(o['text'], str) or committed:
                self.v.fail(file, 'a text marked not provable must have no commitment', line=self.line_no)
                return ''
            self.not_provable += 1
            return NOT_PROVABLE + ' ' + o['text']
        if o['withheld'] not in ('erased', 'unreadable'):
            self.v.fail(file, 'withheld is neither erased nor unreadable', line=self.line_no)
            return ''
        self.withheld += 1
        return '[%s]' % o['withheld']

    def event(self, event, proven):
        if '$withheld' in event:
            return self.add_row(withheld_row(event))
        data = event.get('data') if isinstance(event.get('data'), dict) else {}
        texts = []
        for f in TEXT_FIELDS:
            if f not in data:
                continue
            v = data[f]
            if isinstance(v, dict) and v.get('enc') == 'aes-256-gcm':
                texts.append(self.opened(event['globalPosition'], f, v, proven))
            elif marker_of(v):
                texts.append(redacted_text(v))
            elif isinstance(v, str) and v:
                texts.append(v)
        self.add_row(timeline_row(event, texts))

    def add_row(self, row):
        self.json.update(((',\n' if self.rows else '') + js_json(row)).encode('utf-8'))
        self.csv.update(csv_row([row[c] for c in TIMELINE_COLUMNS]).encode('utf-8'))
        if len(self.report_rows) < REPORT_ROWS:
            self.report_rows.append(event_row_html(row))
        self.rows += 1

    def finish(self, zf, entries):
        if next(self.lines, None) is not None:
            self.v.fail('data/plaintexts.jsonl', 'has a line for a text that no event holds')
        self.json.update(b'\n]\n')
        for name, h in (('data/timeline.json', self.json), ('data/timeline.csv', self.csv)):
            if self.v.stream_sha256(zf, entries[name]) != h.hexdigest():
                self.v.fail(name, 'is not the timeline derived from the proven events (B.12)')
        file = 'data/report.html'
        lines = self.v.lines(zf, entries[file])
        tables = 0
        for _, line in lines:
            if line != EVENTS_TABLE_HEAD:
                continue
            tables += 1
            if tables > 1:
                break
            nxt = next(lines, None)
            if nxt is None or nxt[1] != '<tbody>':
                self.v.fail(file, 'the events table has no <tbody> line')
                return
            rows = []
            for _, row in lines:
                if row == '</tbody></table>':
                    break
                rows.append(row)
                if len(rows) > len(self.report_rows):
                    break
            if rows != self.report_rows:
                self.v.fail(file, 'the events table is not the one derived from the proven events (B.12)')
                return
        if tables != 1:
            self.v.fail(file, 'has not exactly one events table (B.12)')


# ---------------------------------------------------------------- B.16 documents of the compliance file

def amsterdam_day(instant):
    """The local date (Europe/Amsterdam) of an ISO 8601 instant; None when there is none."""
    if not isinstance(instant, str):
        return None
    from zoneinfo import ZoneInfo
    t = datetime.fromisoformat(instant.replace('Z', '+00:00'))
    return t.astimezone(ZoneInfo('Europe/Amsterdam')).date().isoformat()


def day_before(date):
    return (datetime.strptime(date, '%Y-%m-%d') - timedelta(days=1)).strftime('%Y-%m-%d')


class Documents:
    """B.16: which documents the shown events record, and from when until when each held."""

    def __init__(self):
        self.by_id = {}  # documentId -> [sha256, first day, last day (None: open), first days it ended]
        self.recorded = {}  # sha256 -> sizes recorded for it

    def event(self, event):
        d = event.get('data')
        if not isinstance(d, dict) or not isinstance(d.get('documentId'), str):
            return
        t = event.get('type')
        if t == 'compliance.DocumentRecorded':
            sha, size, start = d.get('sha256'), d.get('sizeBytes'), d.get('validFrom')
            if not isinstance(sha, str) or not is_count(size) or not isinstance(start, str) or not DATE_ONLY.match(start):
                return
            until = d.get('validUntil') if isinstance(d.get('validUntil'), str) and DATE_ONLY.match(d.get('validUntil')) else None
            self.by_id[d['documentId']] = [sha, start, until, []]
            self.recorded.setdefault(sha, []).append(size)
        elif t in ('compliance.DocumentSuperseded', 'compliance.DocumentWithdrawn'):
            on = d.get('effectiveOn')
            if isinstance(on, str) and DATE_ONLY.match(on) and d['documentId'] in self.by_id:
                self.by_id[d['documentId']][3].append(on)

    def required(self, scope_from, scope_to):
        first, last_day = amsterdam_day(scope_from), amsterdam_day(scope_to)
        out = set()
        for sha, start, until, ended in self.by_id.values():
            ends = sorted([e for e in [until] + [day_before(x) for x in ended] if e is not None])
            last = ends[0] if ends else None
            if last is not None and last < start:
                continue
            if last_day is not None and start > last_day:
                continue
            if first is not None and last is not None and last < first:
                continue
            out.add(sha)
        return out


# ---------------------------------------------------------------- B.18 the compliance file as of a moment

COMPLIANCE_FILE = 'data/compliance-file.json'
COMPLIANCE_STATEMENT = ('The compliance file of this AI system as the registry knew it at asOf: folded from the events of ai-system-<id> '
                        'and compliance-file-<id> in data/events.jsonl recorded at or before asOf (VERIFY.md B.18).')
AS_OF = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z', re.ASCII)
KIND_NAMES = {
    'fria': 'Fundamental rights impact assessment (AI Act Art. 27, where it applies)',
    'dpia': 'Data protection impact assessment (GDPR Art. 35)',
    'risk-analysis': 'Risk analysis of the medical technology',
}


def as_of_ok(s):
    """B.18: YYYY-MM-DDTHH:mm:ss.sssZ naming a real instant."""
    if not isinstance(s, str) or not AS_OF.match(s):
        return False
    try:
        datetime.strptime(s[:19], '%Y-%m-%dT%H:%M:%S')
    except ValueError:
        return False
    return True


def _before(a, b):
    """B.18: instant a before instant b, by value; False when either is not an ISO time (B.15)."""
    x, y = coverage_ms(a), coverage_ms(b)
    return x is not None and y is not None and x < y


def _at_or_before(a, b):
    x, y = coverage_ms(a), coverage_ms(b)
    return x is not None and y is not None and x <= y


def first_difference(derived, shown):
    """Where the file shown first differs from the derived one: a clear message, not a whole file."""
    i = next((k for k in range(min(len(derived), len(shown))) if derived[k] != shown[k]), min(len(derived), len(shown)))
    return 'from character %d, derived %r, the file has %r' % (i, derived[max(0, i - 40):i + 40], shown[max(0, i - 40):i + 40])


class ComplianceFile:
    """B.18: the two streams' shown lines recorded by asOf, folded into the file as the rules say."""

    def __init__(self, ai_system_id, as_of):
        self.id, self.as_of = ai_system_id, as_of
        self.system_stream, self.file_stream = 'ai-system-' + ai_system_id, 'compliance-file-' + ai_system_id
        self.lines = []  # (stream, type, data) in file order
        self.withheld = False

    def withheld_line(self, stream_id):
        if stream_id in (self.system_stream, self.file_stream):
            self.withheld = True

    def event(self, event):
        sid = event.get('streamId')
        if sid in (self.system_stream, self.file_stream) and _at_or_before(event.get('recordedAt'), self.as_of):
            self.lines.append((sid, event.get('type'), event.get('data')))

    def derive(self):
        """The file's line, or None when the system was not registered by asOf."""
        registered, risk_class, listed, version = False, None, [], None
        classifications, modifications, role = [], [], None
        policy, policy_by = None, None
        records, assessments, documents, duties = [], {}, [], {}
        for sid, t, d in self.lines:
            if not isinstance(d, dict):
                continue
            if sid == self.system_stream:
                if t == 'ai-systems.AiSystemRegistered':
                    registered, risk_class, version = True, d.get('aiActRiskClass'), d.get('version')
                    listed = d.get('oversightPersons') if d.get('oversightPersons') is not None else []
                elif t == 'ai-systems.AiSystemVersionChanged' and registered:
                    version = d.get('version')
                continue
            if t == 'compliance.SystemClassified':
                classifications.append(d)
                role = d.get('role')
            elif t == 'compliance.ModificationAssessed':
                modifications.append(d)
                if d.get('becomesProvider') is True:
                    role = 'provider'
            elif t == 'compliance.CompetencePolicySet':
                policy = d.get('policy')
                by = d.get('setBy')
                policy_by = by.get('subject') if isinstance(by, dict) else None
            elif t == 'compliance.CompetenceRecorded':
                records.append(dict(d, withdrawnAt=None))
            elif t == 'compliance.CompetenceWithdrawn':
                for r in records:
                    if r.get('person') == d.get('person') and r['withdrawnAt'] is None:
                        r['withdrawnAt'] = d.get('withdrawnAt')
            elif t == 'compliance.AssessmentRecorded':
                assessments[d.get('kind')] = d  # a dict keeps the place of a key's first insertion
            elif t == 'compliance.DocumentRecorded':
                documents.append(dict(d, supersededBy=None, supersededOn=None, withdrawal=None))
            elif t == 'compliance.DocumentSuperseded':
                for doc in documents:
                    if doc.get('documentId') == d.get('documentId'):
                        doc['supersededBy'], doc['supersededOn'] = d.get('supersededBy'), d.get('effectiveOn')
            elif t == 'compliance.DocumentWithdrawn':
                for doc in documents:
                    if doc.get('documentId') == d.get('documentId'):
                        doc['withdrawal'] = {k: v for k, v in d.items() if k not in ('aiSystemId', 'documentId')}
            elif t == 'compliance.InformationDutyRecorded':
                duties[d.get('basis')] = d
        if not registered:
            return None
        as_of = self.as_of
        c = classifications[-1] if classifications else None
        # prohibited
        if c is not None:
            if c.get('aiActRiskClass') == 'prohibited':
                point = c.get('legalGroundPoint') if c.get('legalGroundPoint') is not None else 'AI Act Art. 5'
                by = c.get('decidedBy')
                prohibited = 'classified as a prohibited AI practice (%s) on %s by %s' % (
                    point, c.get('decidedOn'), by.get('subject') if isinstance(by, dict) else None)
            else:
                prohibited = None
        else:
            prohibited = 'registered as a prohibited AI practice (AI Act Art. 5)' if risk_class == 'prohibited' else None
        # competence
        policy = policy if policy is not None else 'not-checked'

        def record_status(r):
            if r.get('withdrawnAt') is not None and _at_or_before(r['withdrawnAt'], as_of):
                return 'withdrawn'
            if _before(as_of, r.get('validFrom')):
                return 'not-yet-valid'
            if r.get('validUntil') is not None and _before(r['validUntil'], as_of):
                return 'lapsed'
            return 'current'

        shown_records = [dict(r, status=record_status(r)) for r in records]
        persons = []
        for p in list(listed) + [r.get('person') for r in records]:
            if p not in persons:
                persons.append(p)
        overseers = [{'person': p, 'listedAtRegistration': p in listed,
                      'authorised': any(r.get('person') == p and r['status'] == 'current' for r in shown_records)} for p in persons]
        # assessments
        shown_assessments = []
        for a in assessments.values():
            overdue = a.get('status') != 'not-required' and a.get('nextReviewAt') is not None and _before(a['nextReviewAt'], as_of)
            shown_assessments.append(dict(a, overdue=overdue))
        # documents, on the day of asOf
        day = amsterdam_day(as_of)
        shown_documents = []
        for doc in documents:
            ends = []
            if isinstance(doc.get('validUntil'), str):
                ends.append(doc['validUntil'])
            if doc.get('supersededOn') is not None:
                ends.append(day_before(doc['supersededOn']))
            if doc.get('withdrawal') is not None:
                ends.append(day_before(doc['withdrawal'].get('effectiveOn')))
            last = min(ends) if ends else None
            if day < doc.get('validFrom'):
                status = 'not-yet-valid'
            elif last is None or day <= last:
                status = 'valid'
            elif doc.get('withdrawal') is not None and day >= doc['withdrawal'].get('effectiveOn'):
                status = 'withdrawn'
            elif doc.get('supersededOn') is not None and day >= doc['supersededOn']:
                status = 'superseded'
            else:
                status = 'expired'
            shown_documents.append(dict(doc, lastValidDay=last, status=status))
        # missing, in the section's order
        missing = []
        v = version if isinstance(version, str) and version else None
        high = c is not None and c.get('aiActRiskClass') == 'high'
        valid = [doc for doc in shown_documents if doc['status'] == 'valid']
        if c is None:
            missing.append('No classification recorded: role and risk class (AI Act Art. 6, Art. 25)')
        if c is not None and v is not None and c.get('fromVersion') != v and not any(m.get('version') == v for m in modifications):
            missing.append('Version %s is in use since the classification (of %s): assess it as a possible substantial modification '
                           '(AI Act Art. 25(1)(b))' % (v, c.get('fromVersion')))
        if policy == 'not-checked':
            missing.append('Competence not checked: no competence policy set for reviews (AI Act Art. 26(2))')
        for o in overseers:
            if o['listedAtRegistration'] and not o['authorised']:
                missing.append('%s is listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))' % o['person'])
        if not any(o['authorised'] for o in overseers):
            missing.append('Nobody holds a current competence record for this system (AI Act Art. 26(2))')
        for a in shown_assessments:
            if a['overdue']:
                missing.append('%s: review was due on %s' % (KIND_NAMES.get(a.get('kind')), a.get('nextReviewOn')))
        if high:
            for kind in ('fria', 'dpia'):
                if kind not in assessments:
                    missing.append('%s: not recorded for a high-risk system (record it, or that it is not required)' % KIND_NAMES[kind])
            if v is not None and not any(doc.get('kind') == 'instructions-for-use' and doc.get('modelVersion') == v for doc in valid):
                missing.append('No instructions for use in force for version %s (AI Act Art. 26(1))' % v)
            if not any(doc.get('kind') == 'eu-declaration-of-conformity' for doc in valid):
                missing.append('No EU declaration of conformity in force (AI Act Art. 47)')
            if 'aiact-26-7' not in duties:
                missing.append('Workers not informed before use: no statement recorded (AI Act Art. 26(7))')
            if c.get('legalGround') == 'annex-iii' and 'aiact-26-11' not in duties:
                missing.append('Persons subject to its decisions not informed: no statement recorded (AI Act Art. 26(11))')
            if 'gdpr-13' not in duties and 'gdpr-14' not in duties:
                missing.append('Patients not informed of the processing: no statement recorded (GDPR Art. 13 or 14)')
        if c is not None and c.get('legalGround') == 'art-50' and 'aiact-50' not in duties:
            missing.append('Persons concerned not informed: no statement recorded (AI Act Art. 50)')
        file = {
            'aiSystemId': self.id, 'asOf': as_of,
            'classification': c, 'classificationHistory': classifications, 'role': role, 'modifications': modifications,
            'prohibited': prohibited,
            'competence': {'policy': policy, 'checked': policy != 'not-checked', 'policySetBy': policy_by,
                           'records': shown_records, 'overseers': overseers},
            'assessments': shown_assessments, 'documents': shown_documents,
            'informationDuties': list(duties.values()), 'missing': missing,
        }
        return canonical({'statement': COMPLIANCE_STATEMENT, 'aiSystemId': self.id, 'asOf': as_of, 'file': file}) + '\n'


# ---------------------------------------------------------------- B.15 coverage of oversight

_COVERAGE_ISO = re.compile(r'(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?', re.ASCII)


def coverage_ms(s):
    """B.15: an ISO 8601 time in milliseconds (the whole string, ASCII digits), or None."""
    return iso_ms(s) if isinstance(s, str) and _COVERAGE_ISO.fullmatch(s) else None


def coverage_minutes(ms):
    """Milliseconds as minutes, rounded half up to a tenth, by integer arithmetic."""
    return ((ms + 3000) // 6000) / 10


class Coverage:
    """B.15: data/coverage.json derived from the shown events, in file order."""

    def __init__(self, issued_at, scope_to):
        to, head = coverage_ms(scope_to), coverage_ms(issued_at)
        self.as_of = scope_to if to is not None and (head is None or to < head) else issued_at
        self.as_of_ms = coverage_ms(self.as_of)
        self.outputs, self.reviews, self.withheld = [], {}, 0
        self.limits = {}  # aiSystemId -> review limit in minutes as of asOf, or None (not known)

    def withheld_line(self, stream_id):
        """A withheld line is counted; in an AI system's own stream it may have changed the limit: not known."""
        self.withheld += 1
        if isinstance(stream_id, str) and stream_id.startswith('ai-system-'):
            self.limits[stream_id[len('ai-system-'):]] = None

    def due(self, ms):
        return ms is not None and (self.as_of_ms is None or ms <= self.as_of_ms)

    def event(self, event):
        d = event.get('data')
        if not isinstance(d, dict):
            return
        t = event.get('type')
        s = lambda k: isinstance(d.get(k), str)
        if t == 'ai-systems.OutputReviewLimitSet':
            if s('aiSystemId') and self.due(coverage_ms(d.get('setAt'))):
                m = d.get('limitMinutes')
                self.limits[d['aiSystemId']] = int(m) if type(m) in (int, float) and 1 <= m <= 10080 and m == int(m) else None
        elif t == 'oversight.AiOutputProduced':
            if s('aiSystemId') and s('modelVersion') and s('outputReference') and coverage_ms(d.get('producedAt')) is not None:
                w = d.get('ward')
                self.outputs.append({'position': event['globalPosition'], 'aiSystemId': d['aiSystemId'], 'modelVersion': d['modelVersion'],
                                     'outputReference': d['outputReference'], 'producedAt': d['producedAt'],
                                     'ward': redacted_text(w) or (w if isinstance(w, str) else None)})
        elif t == 'oversight.AiOutputReviewed':
            ms = coverage_ms(d.get('decidedAt'))
            if not (s('reviewId') and d['reviewId'] not in self.reviews and s('aiSystemId') and s('outputReference') and s('decision')) or not self.due(ms):
                return
            r = d.get('reviewer')
            reviewer = redacted_text(r) or (r['subject'] if isinstance(r, dict) and isinstance(r.get('subject'), str) else '')
            self.reviews[d['reviewId']] = {'key': (d['aiSystemId'], d['outputReference']), 'decidedAt': d['decidedAt'], 'ms': ms,
                                           'reviewer': reviewer, 'decision': d['decision'], 'withdrawn': False}
        elif t in ('oversight.ReviewCorrected', 'oversight.ReviewWithdrawn'):
            r = self.reviews.get(d['reviewId']) if s('reviewId') else None
            if r is None:
                return
            if t == 'oversight.ReviewCorrected' and s('decision') and self.due(coverage_ms(d.get('correctedAt'))):
                r['decision'] = d['decision']
            elif t == 'oversight.ReviewWithdrawn' and self.due(coverage_ms(d.get('withdrawnAt'))):
                r['withdrawn'] = True

    def text(self):
        first = {}
        for r in self.reviews.values():  # in file order: on equal times the earlier line stays
            if not r['withdrawn'] and (r['key'] not in first or r['ms'] < first[r['key']]['ms']):
                first[r['key']] = r
        systems, wards, rows = {}, {}, []

        def tally(groups, key, named):
            return groups.setdefault(key, dict(named, produced=0, reviewed=0, unreviewed=0, overridden=0, overdue=0, ms=[]))

        for o in self.outputs:
            limit = self.limits.get(o['aiSystemId'])
            tallies = [tally(systems, (o['aiSystemId'], o['modelVersion']), {'aiSystemId': o['aiSystemId'], 'modelVersion': o['modelVersion'], 'limitMinutes': limit}),
                       tally(wards, (o['aiSystemId'], o['ward']), {'aiSystemId': o['aiSystemId'], 'ward': o['ward']})]
            r = first.get((o['aiSystemId'], o['outputReference']))
            row = dict(o)
            if r is None:
                overdue = None if limit is None or self.as_of_ms is None else self.as_of_ms - coverage_ms(o['producedAt']) > limit * 60000
                row.update(firstReviewAt=None, reviewer=None, decision=None, minutesToReview=None, status='not reviewed as of %s' % self.as_of, overdue=overdue)
            else:
                ms = max(0, r['ms'] - coverage_ms(o['producedAt']))
                overdue = False
                row.update(firstReviewAt=r['decidedAt'], reviewer=r['reviewer'], decision=r['decision'], minutesToReview=coverage_minutes(ms), status='reviewed', overdue=False)
            for g in tallies:
                g['produced'] += 1
                if r is None:
                    g['unreviewed'] += 1
                else:
                    g['reviewed'] += 1
                    g['overridden'] += 1 if r['decision'] in ('rejected', 'modified') else 0
                    g['ms'].append(ms)
                g['overdue'] = None if overdue is None or g['overdue'] is None else g['overdue'] + (1 if overdue else 0)
            rows.append(row)
        units = lambda x: x.encode('utf-16-be', 'surrogatepass')

        def figures(groups, order):
            out = []
            for key in sorted(groups, key=order):
                g = groups[key]
                ms = sorted(g.pop('ms'))
                rank = lambda tenths: coverage_minutes(ms[(tenths * len(ms) + 9) // 10 - 1]) if ms else None
                g['medianMinutesToReview'], g['p90MinutesToReview'] = rank(5), rank(9)
                out.append(g)
            return out

        return canonical({'asOf': self.as_of, 'outputs': rows,
                          'systems': figures(systems, lambda k: (units(k[0]), units(k[1]))),
                          # a ward of null first, then by code units
                          'wards': figures(wards, lambda k: (units(k[0]), (0, b'') if k[1] is None else (1, units(k[1])))),
                          'withheldEvents': self.withheld}) + '\n'


def openssl_verify(pem, body, sig):
    with tempfile.TemporaryDirectory(prefix='verify-bundle-') as d:
        paths = {}
        for name, data in (('key.pem', pem), ('body', body), ('sig', sig)):
            paths[name] = os.path.join(d, name)
            with open(paths[name], 'wb') as f:
                f.write(data)
        r = subprocess.run(['openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', paths['key.pem'], '-rawin',
                            '-in', paths['body'], '-sigfile', paths['sig']], capture_output=True, timeout=30)
        return r.returncode == 0 and b'Signature Verified Successfully' in r.stdout


def canonical_b64(s):
    """Padded standard base64 that re-encodes to itself (no stray character, unused bits zero)."""
    if not BASE64.match(s):
        return False
    return base64.b64encode(base64.b64decode(s)).decode('ascii') == s


def parse_signed_note(token):
    """B.11a: (text, [(name, key id, signature bytes)]) of a signed note, or the reason it is not one."""
    if len(token.encode('utf-8', 'surrogatepass')) > 16384:
        return 'longer than 16384 bytes'
    if any(ord(ch) < 0x20 and ch != '\n' for ch in token) or any(0xD800 <= ord(ch) <= 0xDFFF for ch in token):
        return 'a control character or invalid UTF-8'
    if not token.endswith('\n') or '\n\n' not in token:
        return 'no final newline or no empty line before the signatures'
    split = token.rindex('\n\n')
    text, sig_lines = token[:split + 1], token[split + 2:-1].split('\n')
    if sig_lines == [''] or len(sig_lines) > MAX_NOTE_SIGNATURES:
        return 'no signature, or more than %d' % MAX_NOTE_SIGNATURES
    signatures = []
    for line in sig_lines:
        parts = line.split(' ')
        if len(parts) != 3 or parts[0] != '\u2014' or not parts[1] or re.search(r'[\s+]', parts[1]) or not canonical_b64(parts[2]):
            return 'a signature line is not "\u2014 <name> <base64>"'
        raw = base64.b64decode(parts[2])
        if len(raw) < 5:
            return 'a signature shorter than 5 bytes'
        signatures.append((parts[1], int.from_bytes(raw[:4], 'big'), raw[4:]))
    return text, signatures


def witness_vkey(text):
    """A pinned witness: <name>+<8 hex>+base64(0x04 || 32-byte Ed25519 key), the id SHA-256(name || LF || 0x04 || key)[:4]."""
    m = re.match(r'^([^+]*)\+([0-9a-f]{8})\+(.*)\Z', text.strip(), re.S)
    if not m or not m.group(1) or re.search(r'\s', m.group(1)) or not canonical_b64(m.group(3)):
        raise ValueError('not a vkey <name>+<key id>+<base64>')
    material = base64.b64decode(m.group(3))
    if len(material) != 33 or material[0] != 0x04:
        raise ValueError('not a cosignature/v1 (0x04) Ed25519 vkey')
    key_id = int(m.group(2), 16)
    if sha256(m.group(1).encode('utf-8') + b'\n' + material)[:4] != key_id.to_bytes(4, 'big'):
        raise ValueError('the key id is not SHA-256(name || 0x0A || 0x04 || key)[:4]')
    return m.group(1), key_id, material[1:]


def trusted_key_from(path):
    """A pinned key: an Ed25519 PEM (SubjectPublicKeyInfo) or JWK ({"kty":"OKP","crv":"Ed25519","x"})."""
    with open(path, 'rb') as f:
        data = f.read(1 * MiB)
    if data.lstrip().startswith(b'-----BEGIN'):
        key = Verifier.ed25519_from_pem(data.strip() + b'\n')
        if key is None:
            raise ValueError('not an Ed25519 public key PEM')
        return [key]
    jwk = json.loads(data)
    jwks = jwk['keys'] if isinstance(jwk, dict) and 'keys' in jwk else [jwk]
    keys = []
    for k in jwks:
        if not isinstance(k, dict) or k.get('kty') != 'OKP' or k.get('crv') != 'Ed25519' or not isinstance(k.get('x'), str):
            raise ValueError('the JWK is not an Ed25519 JWK')
        raw = base64.urlsafe_b64decode(k['x'] + '=' * (-len(k['x']) % 4))
        if len(raw) != 32:
            raise ValueError('the JWK is not an Ed25519 JWK')
        keys.append(raw)
    return keys


def main(argv):
    parser = argparse.ArgumentParser(description='Verify an oversight-registry evidence bundle (VERIFY.md, part B).')
    parser.add_argument('bundle')
    parser.add_argument('--trusted-key', action='append', default=[], help='an Ed25519 public key (PEM or JWK) the signature must be made with')
    parser.add_argument('--trusted-keys', action='append', default=[], help='a JWKS file of keys the signature must be made with')
    parser.add_argument('--trusted-tsa', help='the TSA certificate (or its CA\'s), PEM, that anchors must chain to (B.11)')
    parser.add_argument('--trusted-witness', action='append', default=[], help='a witness vkey (type 0x04) whose cosignatures count as anchors (B.11a)')
    args = parser.parse_args(argv)
    trusted = None
    if args.trusted_key or args.trusted_keys:
        trusted = []
        for path in args.trusted_key + args.trusted_keys:
            try:
                trusted += trusted_key_from(path)
            except (OSError, ValueError, KeyError, TypeError) as e:
                print('--trusted-key %s: %s' % (path, e), file=sys.stderr)
                return 2
    if args.trusted_tsa and not os.path.isfile(args.trusted_tsa):
        print('--trusted-tsa %s: no such file' % args.trusted_tsa, file=sys.stderr)
        return 2
    witnesses = []
    for text in args.trusted_witness:
        try:
            witnesses.append(witness_vkey(text))
        except ValueError as e:
            print('--trusted-witness %s: %s' % (text, e), file=sys.stderr)
            return 2
    v = Verifier(args.bundle, trusted, args.trusted_tsa, witnesses)
    v.run()
    verdict = v.verdict()
    print(json.dumps(verdict, indent=2, ensure_ascii=False))
    return 0 if verdict['ok'] else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
