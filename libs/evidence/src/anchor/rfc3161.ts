import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * RFC 3161 time-stamp requests and tokens. The ASN.1 and CMS work is PKI.js's; what is ours is
 * which checks a token must pass before the registry (or a verifier) relies on it.
 */
// Node's webcrypto is the Web Crypto API PKI.js expects; the two type declarations differ only in
// details PKI.js does not use, hence the cast.
pkijs.setEngine(
  'node',
  new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }),
);

const SHA256 = '2.16.840.1.101.3.4.2.1';
/** id-ct-TSTInfo, RFC 3161 §2.4.2. */
const TST_INFO = '1.2.840.113549.1.9.16.1.4';
/** id-kp-timeStamping, RFC 3161 §2.3. */
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const EXTENDED_KEY_USAGE = '2.5.29.37';

export class TimestampError extends Error {}

/** A TimeStampReq for a SHA-256 imprint, with a random nonce and the TSA's certificate requested. */
export function timestampRequest(imprint: Buffer): { der: Buffer; nonce: Buffer } {
  // A positive INTEGER: the top bit clear, so no sign byte is needed and the TSA echoes these bytes.
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] & 0x7f) | 0x01;
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: bufferView(imprint) }),
    }),
    nonce: new asn1js.Integer({ valueHex: bufferView(nonce) }),
    certReq: true,
  });
  return { der: Buffer.from(req.toSchema().toBER(false)), nonce };
}

/** The token out of a TimeStampResp; a refusal (status other than granted) is an error naming it. */
export function tokenFromResponse(der: Buffer): Buffer {
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(bufferView(der));
  } catch (err) {
    throw new TimestampError(`the TSA's answer is not a TimeStampResp: ${(err as Error).message}`);
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    throw new TimestampError(
      `the TSA refused the request (PKIStatus ${status}${resp.status.statusStrings ? `: ${resp.status.statusStrings.map((s) => s.valueBlock.value).join('; ')}` : ''})`,
    );
  }
  if (!resp.timeStampToken) throw new TimestampError('the TSA granted the request but sent no token');
  return Buffer.from(resp.timeStampToken.toSchema().toBER(false));
}

export interface VerifiedToken {
  /** TSTInfo.genTime, ISO 8601 UTC with milliseconds (the token's fraction cut to milliseconds). */
  genTime: string;
  /** The signer certificate's subject, for the record. */
  authority: string;
  serialNumber: string;
}

/**
 * Checks a TimeStampToken (a CMS ContentInfo of SignedData over a TSTInfo) as RFC 3161 §2.4.2
 * asks: it time-stamps exactly `message` (its SHA-256 is the imprint), echoes `nonce` when one is given, and is
 * signed by a certificate that chains to one of `trusted` at the token's genTime and carries the
 * one, critical extended key usage id-kp-timeStamping (§2.3). Throws TimestampError otherwise.
 */
export async function verifyTimestampToken(token: Buffer, message: Buffer, trusted: X509Certificate[], nonce?: Buffer): Promise<VerifiedToken> {
  let signed: pkijs.SignedData;
  let info: pkijs.TSTInfo;
  try {
    const outer = pkijs.ContentInfo.fromBER(bufferView(token));
    if (outer.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error('not CMS SignedData');
    signed = new pkijs.SignedData({ schema: outer.content as asn1js.Sequence });
    if (signed.encapContentInfo.eContentType !== TST_INFO || !signed.encapContentInfo.eContent) throw new Error('its content is not a TSTInfo');
    info = pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue());
  } catch (err) {
    throw new TimestampError(`not an RFC 3161 TimeStampToken: ${(err as Error).message}`);
  }
  const imprint = createHash('sha256').update(message).digest();
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256)
    throw new TimestampError(`the token's imprint is not SHA-256 (${info.messageImprint.hashAlgorithm.algorithmId})`);
  if (!Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).equals(imprint)) {
    throw new TimestampError('the token time-stamps another message (its message imprint is not the checkpoint’s SHA-256)');
  }
  if (nonce && (!info.nonce || integerOf(info.nonce) !== integerOf(nonce))) throw new TimestampError('the token does not carry the nonce of the request');
  const anchors = trusted.map((c) => pkijs.Certificate.fromBER(bufferView(c.raw)));
  let signer: pkijs.Certificate | undefined;
  try {
    // PKI.js checks the chain at the token's genTime and the imprint against `message` again.
    const result = await signed.verify({ signer: 0, data: bufferView(message), trustedCerts: anchors, checkChain: true, extendedMode: true });
    if (!result.signatureVerified) throw new Error(result.message || 'the signature does not verify');
    signer = result.signerCertificate ?? undefined;
  } catch (err) {
    const message = (err as { message?: string }).message ?? String(err);
    throw new TimestampError(`the token's signature does not chain to a trusted TSA certificate: ${message}`);
  }
  if (!signer) throw new TimestampError('the token names no signer certificate');
  const eku = signer.extensions?.filter((e) => e.extnID === EXTENDED_KEY_USAGE) ?? [];
  const purposes = (eku[0]?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  if (eku.length !== 1 || !eku[0].critical || purposes.length !== 1 || purposes[0] !== TIME_STAMPING) {
    throw new TimestampError('the signer certificate is not a TSA certificate (RFC 3161 §2.3: one critical extended key usage, id-kp-timeStamping)');
  }
  return {
    genTime: info.genTime.toISOString(),
    authority: new X509Certificate(Buffer.from(signer.toSchema().toBER(false))).subject.replace(/\n/g, ', '),
    serialNumber: Buffer.from(info.serialNumber.valueBlock.valueHexView).toString('hex'),
  };
}

/** The certificates of a PEM file (one or more); a file with none is an error. */
export function certificatesFromPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TimestampError('no PEM certificate in it');
  return blocks.map((b) => new X509Certificate(b));
}

function integerOf(v: asn1js.Integer | Buffer): bigint {
  const bytes = Buffer.isBuffer(v) ? v : Buffer.from(v.valueBlock.valueHexView);
  return bytes.length ? BigInt(`0x${bytes.toString('hex')}`) : 0n;
}

function bufferView(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
