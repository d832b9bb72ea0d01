import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * An audit export is JSON lines: a header, one record per event, and a seal. Every line after
 * the header carries `prev`, the SHA-256 of the exact bytes of the line before it, so changing,
 * removing or moving any line breaks the chain at the next one. The seal holds the digest of the
 * last record and the number of records, signed with Ed25519.
 */
export interface AuditHeader {
  kind: 'aether.audit.header';
  version: 1;
  stream: string;
  /** The filters the export was made with, as given. */
  filters: Record<string, string>;
  exportedAt: string;
  /** Fingerprint of the signing key's public half (`sha256:<hex>`). */
  keyId: string;
}

export interface AuditRecord {
  kind: 'aether.audit.record';
  /** 1, 2, 3…: the record's place in the export. */
  n: number;
  /** The event's stream sequence. */
  seq: number;
  subject: string;
  event: unknown;
  prev: string;
}

export interface AuditSeal {
  kind: 'aether.audit.seal';
  records: number;
  /** SHA-256 of the last record line (of the header when there are no records). */
  digest: string;
  keyId: string;
  /** Ed25519 signature, base64, of `sealPayload(records, digest)`. */
  signature: string;
  prev: string;
}

export const sha256 = (line: string): string => createHash('sha256').update(line).digest('hex');
export const keyId = (publicKey: KeyObject): string =>
  `sha256:${sha256(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'))}`;
const sealPayload = (records: number, digest: string) =>
  Buffer.from(`aether.audit.seal:${records}:${digest}`);

/** Writes an export line by line: the header first, `record()` per event, `seal()` last. */
export class AuditChainWriter {
  private last: string;
  private count = 0;
  private readonly keyId: string;

  constructor(
    private readonly privateKey: KeyObject,
    header: Omit<AuditHeader, 'kind' | 'version' | 'keyId'>,
    private readonly write: (line: string) => void,
  ) {
    this.keyId = keyId(createPublicKey(privateKey));
    this.last = this.emit({ kind: 'aether.audit.header', version: 1, ...header, keyId: this.keyId });
  }

  record(seq: number, subject: string, event: unknown): void {
    this.count++;
    this.emit({ kind: 'aether.audit.record', n: this.count, seq, subject, event, prev: sha256(this.last) });
  }

  seal(): AuditSeal {
    const digest = sha256(this.last);
    const seal: AuditSeal = {
      kind: 'aether.audit.seal',
      records: this.count,
      digest,
      keyId: this.keyId,
      signature: sign(null, sealPayload(this.count, digest), this.privateKey).toString('base64'),
      prev: digest,
    };
    this.write(JSON.stringify(seal));
    return seal;
  }

  private emit(value: AuditHeader | AuditRecord): string {
    const line = JSON.stringify(value);
    this.write(line);
    this.last = line;
    return line;
  }
}

export type AuditVerdict =
  | { ok: true; records: number; keyId: string }
  | { ok: false; problem: string; /** 1-based line of the export where the chain breaks. */ line: number };

/** Checks an export's chain and signature; names the first record altered, removed or reordered. */
export function verifyAuditExport(text: string, publicKey: KeyObject): AuditVerdict {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as { kind?: string; n?: number; prev?: string };
    } catch {
      return undefined;
    }
  });
  const fail = (line: number, problem: string): AuditVerdict => ({ ok: false, line, problem });
  if (parsed[0]?.kind !== 'aether.audit.header') return fail(1, 'the export does not start with its header');
  const sealAt = parsed.findIndex((value) => value?.kind === 'aether.audit.seal');
  if (sealAt < 0) return fail(lines.length, 'the export has no seal: it was cut short');
  if (sealAt !== lines.length - 1) return fail(sealAt + 2, 'lines follow the seal');
  const records = parsed.slice(1, sealAt);
  const seal = parsed[sealAt] as unknown as AuditSeal;

  for (let index = 0; index < records.length; index++) {
    const line = index + 2;
    const record = records[index];
    const expected = index + 1;
    if (record?.kind !== 'aether.audit.record' || typeof record.n !== 'number')
      return fail(line, `line ${line} is not an audit record`);
    if (record.n !== expected) {
      const later = records.some((other, at) => at > index && other?.n === expected);
      return later || record.n < expected
        ? fail(line, `record ${expected} was moved: record ${record.n} stands in its place`)
        : fail(line, `record ${expected} was removed`);
    }
    if (record.prev !== sha256(lines[index])) {
      return fail(
        line - 1,
        index === 0
          ? 'the header was altered'
          : `record ${expected - 1} was altered (its hash is not in record ${expected})`,
      );
    }
  }
  const lastLine = lines[sealAt - 1];
  if (seal.records !== records.length)
    return fail(
      sealAt + 1,
      `the seal counts ${seal.records} records and the export holds ${records.length}: records were removed at the end`,
    );
  if (seal.digest !== sha256(lastLine) || seal.prev !== seal.digest)
    return fail(
      sealAt,
      records.length === 0
        ? 'the header was altered'
        : `record ${records.length} was altered (its hash is not in the seal)`,
    );
  if (seal.keyId !== keyId(publicKey))
    return fail(
      sealAt + 1,
      `the export was signed with ${seal.keyId}, not with the key given (${keyId(publicKey)})`,
    );
  let signed = false;
  try {
    signed = verify(
      null,
      sealPayload(seal.records, seal.digest),
      publicKey,
      Buffer.from(seal.signature, 'base64'),
    );
  } catch {
    signed = false;
  }
  if (!signed) return fail(sealAt + 1, 'the seal’s signature does not verify');
  return { ok: true, records: records.length, keyId: seal.keyId };
}
