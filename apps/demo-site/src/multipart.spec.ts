import { HttpError } from './http';
import { multipartBoundary, parseMultipart } from './multipart';

function body(...lines: Array<string | Buffer>): Buffer {
  return Buffer.concat(lines.map((line) => (typeof line === 'string' ? Buffer.from(line) : line)));
}

describe('multipartBoundary', () => {
  it('reads plain and quoted boundaries', () => {
    expect(multipartBoundary('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
  });

  it('rejects other media types with 415 and a missing boundary with 400', () => {
    expect(() => multipartBoundary('application/json')).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => multipartBoundary('multipart/form-data')).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('parseMultipart', () => {
  it('splits fields and files, keeping binary content and CRLFs inside it intact', () => {
    const binary = Buffer.from([0, 13, 10, 45, 45, 255]);
    const parts = parseMultipart(
      body(
        'preamble\r\n--XyZ\r\n',
        'Content-Disposition: form-data; name="title"\r\n\r\n',
        'hello\r\n--XyZ\r\n',
        'Content-Disposition: form-data; name="file"; filename="a %22quoted%22; name=x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
        binary,
        '\r\n--XyZ--\r\nepilogue',
      ),
      'XyZ',
    );
    expect(parts).toEqual([
      { name: 'title', data: Buffer.from('hello') },
      {
        name: 'file',
        fileName: 'a "quoted"; name=x.bin',
        contentType: 'application/octet-stream',
        data: binary,
      },
    ]);
  });

  it('reports an empty file input as a part with an empty file name', () => {
    const [part] = parseMultipart(
      body('--b\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n\r\n--b--\r\n'),
      'b',
    );
    expect(part).toEqual({ name: 'file', fileName: '', data: Buffer.alloc(0) });
  });

  it.each([
    ['no boundary at all', 'nothing here'],
    ['an unterminated part', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue'],
    ['a part without a name', '--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b--'],
  ])('rejects %s with 400', (_case, text) => {
    expect(() => parseMultipart(Buffer.from(text), 'b')).toThrow(HttpError);
    expect(() => parseMultipart(Buffer.from(text), 'b')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
