import { setTimeout as delay } from 'node:timers/promises';
import { errorPage, html, page } from './html';
import { HttpError, htmlReply, readBody } from './http';
import { multipartBoundary, parseMultipart } from './multipart';
import type { Route } from './routing';

const UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
const SLOW_LIMIT_MS = 60_000;

export interface UploadSummary {
  fileName: string;
  sizeBytes: number;
  lines: number;
}

/** Counts lines the way `wc -l` would, plus a last line without a trailing newline. */
export function countLines(data: Buffer): number {
  let newlines = 0;
  for (const byte of data) if (byte === 0x0a) newlines++;
  return data.length > 0 && data[data.length - 1] !== 0x0a ? newlines + 1 : newlines;
}

function uploadView(result?: UploadSummary, error?: string): string {
  const body = html`<h1>Upload a file</h1>
${error !== undefined && html`<div class="alert alert-error" role="alert">${error}</div>`}
${
  result !== undefined &&
  html`<section id="upload-result" aria-label="Upload result">
  <h2>Received</h2>
  <dl>
    <dt>File name</dt><dd id="upload-file-name">${result.fileName}</dd>
    <dt>Size</dt><dd><span id="upload-size">${result.sizeBytes}</span> bytes</dd>
    <dt>Lines</dt><dd id="upload-lines">${result.lines}</dd>
  </dl>
</section>`
}
<form id="upload-form" method="post" action="/upload" enctype="multipart/form-data">
  <label for="file">File</label>
  <input type="file" id="file" name="file" required>
  <button type="submit" id="upload-button">Upload</button>
</form>`;
  return page({ title: 'Upload', body });
}

/** Reads a whole-number query parameter, or answers 400 naming the parameter. */
function integerParam(url: URL, name: string, fallback: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) {
    throw new HttpError(400, `Query parameter "${name}" must be a whole number from 0 to ${max}`);
  }
  return value;
}

export const toolRoutes: ReadonlyArray<Route> = [
  { method: 'GET', path: '/upload', access: 'public', handle: () => htmlReply(200, uploadView()) },
  {
    method: 'POST',
    path: '/upload',
    access: 'public',
    handle: async ({ req }) => {
      const boundary = multipartBoundary(req.headers['content-type']);
      const parts = parseMultipart(await readBody(req, UPLOAD_LIMIT_BYTES), boundary);
      const file = parts.find(
        (part) => part.name === 'file' && part.fileName !== undefined && part.fileName !== '',
      );
      if (file?.fileName === undefined) {
        return htmlReply(422, uploadView(undefined, 'Choose a file to upload'));
      }
      return htmlReply(
        200,
        uploadView({ fileName: file.fileName, sizeBytes: file.data.length, lines: countLines(file.data) }),
      );
    },
  },
  {
    method: 'GET',
    path: '/flaky',
    access: 'public',
    handle: ({ site, url }) => {
      const failures = integerParam(url, 'fail', 1, 1_000_000);
      const key = url.searchParams.get('key') ?? 'default';
      const attempt = (site.flakyHits.get(key) ?? 0) + 1;
      site.flakyHits.set(key, attempt);
      if (attempt <= failures) {
        const message = `Attempt ${attempt} of key "${key}" failed on purpose.`;
        return htmlReply(
          500,
          errorPage({ title: 'Something went wrong', message, retryHref: url.pathname + url.search }),
        );
      }
      const body = html`<h1 id="flaky-ok">It worked</h1>
<p>Succeeded on attempt <span id="flaky-attempt">${attempt}</span> for key <code id="flaky-key">${key}</code>.</p>`;
      return htmlReply(200, page({ title: 'It worked', body }));
    },
  },
  {
    method: 'GET',
    path: '/slow',
    access: 'public',
    handle: async ({ url, signal }) => {
      const ms = integerParam(url, 'ms', 1000, SLOW_LIMIT_MS);
      await delay(ms, undefined, { signal });
      const body = html`<h1 id="slow-done">Done</h1>
<p>Answered after <span id="slow-ms">${ms}</span> ms.</p>`;
      return htmlReply(200, page({ title: 'Done', body }));
    },
  },
];
