import type { LiveFrame } from '@aether/read-api';
import { ResumePoint } from './resume-point';

const job = (seq: number, more?: true): LiveFrame => ({
  event: 'job',
  data: {
    seq,
    type: 'StepCompleted',
    occurredAt: '2026-12-06T00:00:00.000Z',
    jobId: 'j',
    ...(more ? { more } : {}),
  },
});

describe('where a live subscription resumes', () => {
  it('starts from now when nothing is known, then from what the server said it started at', () => {
    const point = new ResumePoint();
    expect(point.since()).toEqual({});
    point.saw({ event: 'subscribed', data: { channels: ['jobs'], from: 41 } });
    expect(point.since()).toEqual({ since: 40 });
  });

  it('moves only past a sequence whose frames all arrived', () => {
    const point = new ResumePoint(10);
    point.saw({ event: 'subscribed', data: { channels: ['jobs'], from: 11 } });
    point.saw(job(12));
    point.saw(job(15, true)); // one append stored several events: more frames of 15 follow
    expect(point.since()).toEqual({ since: 12 });
    point.saw(job(15));
    expect(point.since()).toEqual({ since: 15 });
  });

  it('never goes back', () => {
    const point = new ResumePoint(20);
    point.saw(job(18));
    expect(point.since()).toEqual({ since: 20 });
  });
});
