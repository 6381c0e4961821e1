import { describe, expect, it } from 'vitest';
import { JobControl } from './job-control.js';

describe('JobControl', () => {
  it('stops running jobs for shutdown, and every job that begins afterwards', () => {
    const control = new JobControl();
    const running = control.begin('a');
    expect(control.shutdown()).toBe(1);
    expect(running.aborted).toBe(true);
    expect(control.reasonOf('a')).toBe('shutdown');
    const late = control.begin('b');
    expect(late.aborted).toBe(true);
    expect(control.reasonOf('b')).toBe('shutdown');
  });

  it('keeps a cancel a cancel when shutdown follows it', () => {
    const control = new JobControl();
    control.begin('a');
    control.stop('a', 'cancel');
    control.shutdown();
    expect(control.reasonOf('a')).toBe('cancel');
  });

  it('resolves idle() once the last running job has ended', async () => {
    const control = new JobControl();
    await control.idle(); // nothing running: at once
    control.begin('a');
    control.begin('b');
    let idle = false;
    const waiting = control.idle().then(() => {
      idle = true;
    });
    control.end('a');
    await Promise.resolve();
    expect(idle).toBe(false);
    control.end('b');
    await waiting;
    expect(idle).toBe(true);
  });
});
