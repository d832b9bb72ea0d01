import { gunzipSync } from 'node:zlib';

/** One place a secret was found: where, and in which encoding. */
export interface SecretFinding {
  /** What was searched: `event`, `log`, `table`, `artifact`, `api` … */
  readonly source: string;
  /** Which one: a stream and sequence, a file and line, a table, an object name, a URL. */
  readonly where: string;
  readonly encoding: string;
}

interface Needle {
  readonly encoding: string;
  readonly text: string;
}

/**
 * The forms a value takes when something records it without meaning to: as is, JSON-escaped, URL
 * and form encoded, base64 and base64url, and base64 at each of the three alignments it can have
 * inside a longer encoded text (the characters that depend on neighbours trimmed off).
 */
export function encodingsOf(secret: string): Needle[] {
  const needles: Needle[] = [
    { encoding: 'plain', text: secret },
    { encoding: 'json', text: JSON.stringify(secret).slice(1, -1) },
    { encoding: 'url', text: encodeURIComponent(secret) },
    { encoding: 'form', text: new URLSearchParams({ v: secret }).toString().slice(2) },
    { encoding: 'base64', text: Buffer.from(secret).toString('base64') },
    { encoding: 'base64url', text: Buffer.from(secret).toString('base64url') },
  ];
  const bytes = Buffer.from(secret);
  for (let offset = 1; offset <= 2; offset++) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // The first characters mix in the unknown neighbour; the last ones too unless the end is aligned.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = shifted.slice(start, end);
    if (core.length >= 8) needles.push({ encoding: `base64@${offset}`, text: core });
  }
  const unique = new Map(needles.map((n) => [`${n.encoding}:${n.text}`, n]));
  return [...unique.values()];
}

/**
 * Searches everything a test hands it for one secret value. A secret scanner that cannot find
 * a planted value proves nothing: `secret-scanner.spec.ts` plants it in every encoding.
 */
export class SecretScanner {
  private readonly needles: Needle[];
  private readonly found: SecretFinding[] = [];
  private scannedCount = 0;

  constructor(secret: string) {
    if (secret.length < 8)
      throw new Error('scan for a secret of at least 8 characters: shorter ones match by chance');
    this.needles = encodingsOf(secret);
  }

  /** Scans text or bytes (gzip is opened; bytes are read as UTF-8 and as Latin-1). */
  scan(source: string, where: string, content: string | Uint8Array): void {
    this.scannedCount++;
    for (const text of texts(content)) {
      for (const needle of this.needles) {
        if (text.includes(needle.text)) {
          this.found.push({ source, where, encoding: needle.encoding });
          return;
        }
      }
    }
  }

  get findings(): readonly SecretFinding[] {
    return this.found;
  }

  /** How many items were scanned: a scan of nothing must not pass as a clean scan. */
  get scanned(): number {
    return this.scannedCount;
  }
}

function texts(content: string | Uint8Array): string[] {
  if (typeof content === 'string') return [content];
  let bytes = Buffer.from(content);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      // not gzip after all: scan the bytes as they are
    }
  }
  return [bytes.toString('utf8'), bytes.toString('latin1'), bytes.toString('utf16le')];
}
