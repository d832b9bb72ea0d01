import { HttpError } from './http';

/** One part of a `multipart/form-data` body (RFC 7578). */
export interface MultipartPart {
  name: string;
  /** Present for file inputs; empty when the user chose no file. */
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function malformed(reason: string): HttpError {
  return new HttpError(400, `Malformed multipart body: ${reason}`);
}

export function multipartBoundary(contentType: string | undefined): string {
  const [mediaType, ...params] = (contentType ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'multipart/form-data') {
    throw new HttpError(415, 'Expected multipart/form-data');
  }
  const boundary = parseParams(params.join(';')).get('boundary');
  if (!boundary || boundary.length > 70) throw malformed('missing or invalid boundary');
  return boundary;
}

// Parameters of a header value such as `form-data; name="file"; filename="a.txt"`.
function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of text.matchAll(/;?\s*([^=;\s]+)=("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    const raw = match[2].trim();
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    params.set(match[1].toLowerCase(), value);
  }
  return params;
}

// Browsers percent-encode these three characters in file names (HTML spec, form submission).
function decodeFileName(name: string): string {
  return name.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}

function parsePartHeaders(text: string): Omit<MultipartPart, 'data'> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  if (!/^form-data\s*(;|$)/i.test(disposition)) throw malformed('part without form-data disposition');
  const params = parseParams(disposition);
  const name = params.get('name');
  if (name === undefined) throw malformed('part without a name');
  const fileName = params.get('filename');
  return {
    name,
    ...(fileName !== undefined && { fileName: decodeFileName(fileName) }),
    ...(headers.has('content-type') && { contentType: headers.get('content-type') }),
  };
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const closeDelimiter = Buffer.concat([CRLF, delimiter]);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw malformed('boundary not found');
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === '--') return parts;
    if (!body.subarray(position, position + 2).equals(CRLF)) throw malformed('boundary not followed by CRLF');
    // Searching from the CRLF itself also finds the blank line of a part without headers.
    const headerEnd = body.indexOf(HEADER_END, position);
    if (headerEnd < 0) throw malformed('part headers not terminated');
    const headers = parsePartHeaders(body.toString('utf8', position + 2, headerEnd));
    const contentStart = headerEnd + HEADER_END.length;
    const contentEnd = body.indexOf(closeDelimiter, contentStart);
    if (contentEnd < 0) throw malformed('missing closing boundary');
    parts.push({ ...headers, data: body.subarray(contentStart, contentEnd) });
    position = contentEnd + CRLF.length;
  }
}
