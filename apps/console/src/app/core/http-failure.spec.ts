import { httpFailure } from './http-failure';

describe('how a failed call reads on the page', () => {
  it("says why the API refused, from its problem's detail", () => {
    expect(
      httpFailure(403, 'Forbidden', {
        title: 'Forbidden',
        status: 403,
        detail: 'role viewer may not call POST /api/v1/dead-letters/:id/requeue',
      }),
    ).toBe('403 Forbidden: role viewer may not call POST /api/v1/dead-letters/:id/requeue');
  });

  it('names each problem with its path when the detail is generic', () => {
    expect(
      httpFailure(400, 'Bad Request', {
        detail: 'invalid request',
        problems: [{ path: 'body.priority', message: 'Too big: expected number to be <=20' }],
      }),
    ).toBe('400 Bad Request: invalid request: body.priority: Too big: expected number to be <=20');
  });

  it('does not repeat problems the detail already names', () => {
    const detail = 'workflow w v1 refuses these inputs: body.variables.ms: expected number, got string';
    expect(
      httpFailure(400, 'Bad Request', {
        detail,
        problems: [{ path: 'body.variables.ms', message: 'expected number, got string' }],
      }),
    ).toBe(`400 Bad Request: ${detail}`);
  });

  it('lists at most five problems', () => {
    const problems = Array.from({ length: 7 }, (_, i) => ({ path: `body.p${i}`, message: 'required' }));
    expect(httpFailure(400, 'Bad Request', { detail: 'invalid request', problems })).toBe(
      '400 Bad Request: invalid request: body.p0: required; body.p1: required; body.p2: required; ' +
        'body.p3: required; body.p4: required (and 2 more)',
    );
  });

  it('keeps to the status when the body is no problem (a proxy page, nothing), and says when nothing answered', () => {
    expect(httpFailure(502, 'Bad Gateway', '<html>bad gateway</html>')).toBe('502 Bad Gateway');
    expect(httpFailure(500, 'Internal Server Error', null)).toBe('500 Internal Server Error');
    expect(httpFailure(500, 'Internal Server Error', { problems: [null, { path: 1 }] })).toBe(
      '500 Internal Server Error',
    );
    expect(httpFailure(0, 'Unknown Error', null)).toBe('no answer');
  });
});
