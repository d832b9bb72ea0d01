import { startDemoSite, type DemoSite } from './index';
import { get, openingTag, textOf } from './test-support';
import { countLines } from './tools.routes';

describe('tool pages', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite();
  });
  afterAll(() => site.close());

  function upload(content: string | null, fileName = 'report.txt'): Promise<Response> {
    const form = new FormData();
    form.append('comment', 'ignored');
    form.append('file', new Blob(content === null ? [] : [content]), content === null ? '' : fileName);
    return fetch(`${site.url}/upload`, { method: 'POST', body: form });
  }

  it('renders the upload form', async () => {
    const html = await (await get(`${site.url}/upload`)).text();
    expect(openingTag(html, 'upload-form')).toContain('enctype="multipart/form-data"');
    expect(openingTag(html, 'file')).toContain('type="file"');
    expect(openingTag(html, 'upload-button')).toContain('type="submit"');
  });

  it('reports the name, size in bytes and line count of an uploaded file', async () => {
    const response = await upload('first line\nsecond ✓\r\nthird', 'données "q1".csv');
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(openingTag(html, 'upload-result')).toBeDefined();
    expect(textOf(html, 'upload-file-name')).toBe('données &quot;q1&quot;.csv');
    expect(textOf(html, 'upload-size')).toBe(String(Buffer.byteLength('first line\nsecond ✓\r\nthird')));
    expect(textOf(html, 'upload-lines')).toBe('3');
  });

  it('answers 422 when no file was chosen', async () => {
    const response = await upload(null);
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Choose a file to upload');
  });

  it('answers 415 for a body that is not multipart', async () => {
    const response = await fetch(`${site.url}/upload`, {
      method: 'POST',
      body: 'file=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
  });

  it('counts lines like wc -l plus an unterminated last line', () => {
    expect(countLines(Buffer.from(''))).toBe(0);
    expect(countLines(Buffer.from('one'))).toBe(1);
    expect(countLines(Buffer.from('one\n'))).toBe(1);
    expect(countLines(Buffer.from('one\n\ntwo'))).toBe(3);
  });

  it('fails the first N requests of a flaky key, then succeeds', async () => {
    const url = `${site.url}/flaky?fail=2&key=checkout`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const response = await get(url);
      const html = await response.text();
      expect(response.status).toBe(500);
      expect(textOf(html, 'error-title')).toBe('Something went wrong');
      expect(openingTag(html, 'retry-link')).toContain('href="/flaky?fail=2&amp;key=checkout"');
    }
    const response = await get(url);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(textOf(html, 'flaky-ok')).toBe('It worked');
    expect(textOf(html, 'flaky-attempt')).toBe('3');
    expect((await get(`${site.url}/flaky?fail=1&key=other`)).status).toBe(500);
    expect((await get(url)).status).toBe(200);
  });

  it('rejects a flaky count that is not a whole number', async () => {
    expect((await get(`${site.url}/flaky?fail=-1&key=bad`)).status).toBe(400);
  });

  it('answers a slow page after the requested delay', async () => {
    const started = performance.now();
    const response = await get(`${site.url}/slow?ms=150`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(textOf(await response.text(), 'slow-done')).toBe('Done');
    expect((await get(`${site.url}/slow?ms=60001`)).status).toBe(400);
  });

  it('closes promptly while a slow request is pending', async () => {
    const other = await startDemoSite();
    const pending = get(`${other.url}/slow?ms=60000`).then(
      (response) => `status ${response.status}`,
      (error: unknown) => String(error),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await other.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('TypeError: fetch failed');
  });

  it('answers unknown pages with 404 and wrong methods with 405', async () => {
    expect((await get(`${site.url}/nowhere`)).status).toBe(404);
    const response = await fetch(`${site.url}/api/health`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});
