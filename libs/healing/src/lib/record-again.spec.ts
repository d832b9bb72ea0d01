import { FINGERPRINT_VERSION, VISUAL_VERSION, fingerprintFromHtml, recordedInOlderFormat } from '../index';

const HTML = `<main><form id="login"><input id="u" name="user"><button>Sign in</button></form></main>`;

/** Today's fingerprint of the button, as JSON stores it. */
const current = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(fingerprintFromHtml(HTML, 'button'))) as Record<string, unknown>;
const visual = (v: number) => ({
  v,
  bbox: { x: 1, y: 2, width: 30, height: 20 },
  viewport: { width: 1000, height: 700 },
  cropHash: '0'.repeat(64),
});

describe('recordedInOlderFormat: whether a working selector is recorded again (ADR 126)', () => {
  it('is due for every readable version older than the one written today', () => {
    for (let version = 1; version < FINGERPRINT_VERSION; version++) {
      const { context: _context, ...older } = current();
      expect(recordedInOlderFormat({ ...older, version })).toBe(true);
    }
  });

  it('is not due for a fingerprint written today, with or without its visual', () => {
    expect(current()['version']).toBe(FINGERPRINT_VERSION);
    expect(recordedInOlderFormat(current())).toBe(false);
    expect(recordedInOlderFormat({ ...current(), visual: visual(VISUAL_VERSION) })).toBe(false);
  });

  it('is due when the visual is of an older version, which readers drop', () => {
    expect(recordedInOlderFormat({ ...current(), visual: visual(VISUAL_VERSION - 1) })).toBe(true);
  });

  it('never writes over a newer or unreadable document', () => {
    expect(recordedInOlderFormat({ ...current(), version: FINGERPRINT_VERSION + 1 })).toBe(false);
    expect(recordedInOlderFormat({ ...current(), version: '1' })).toBe(false);
    expect(recordedInOlderFormat({ ...current(), version: 0 })).toBe(false);
    expect(recordedInOlderFormat(undefined)).toBe(false);
    expect(recordedInOlderFormat(null)).toBe(false);
    expect(recordedInOlderFormat([1])).toBe(false);
  });
});
