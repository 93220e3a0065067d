import { describe, expect, test } from 'vitest';
import type { ProcessingStatus } from '../../src/modules/workflows/workflow.ts';
import { ProgressStream, type Snapshot, type WorkflowProgressEvent } from '../../src/progress/progress-stream.ts';
import { pushedStream, turn } from './pushed-stream.ts';

// ProgressStream.pushTo: a newer state goes to the push at once, but only while the reader waits for
// one (so nothing it pulled is still on its way out); the first event, and any the push declines,
// are pulled as before, and a final state ends the stream either way.

function snapshot(version: number, processingStatus: ProcessingStatus = 'PROCESSING', progressPercentage = version * 10): Snapshot {
  const workflow = { id: 'w', version, processingStatus, progressPercentage, updatedAt: new Date() };
  return { workflow, completions: [], mediaFiles: [], deleted: false } as unknown as Snapshot;
}

/** A stream from version 1 with a push that takes what `accept` says, and the events it took. */
const pushed = (accept?: (event: WorkflowProgressEvent) => boolean) => pushedStream(snapshot(1), accept);

describe('ProgressStream.pushTo', () => {
  test('the first event is pulled; later ones go to the push while the reader waits, and the reader is not woken for them', async () => {
    const { stream, taken } = pushed();
    expect((await stream.next()).value).toMatchObject({ version: 1 });
    let settled = false;
    const waiting = stream.next().then((step) => {
      settled = true;
      return step;
    });
    await turn();
    stream.offer(snapshot(2));
    stream.offer(snapshot(3));
    await turn();
    expect(taken.map((event) => event.version)).toEqual([2, 3]);
    expect(settled).toBe(false);
    // A final state pushed ends the stream: the waiting reader is done, after the push had it.
    stream.offer(snapshot(4, 'SUCCESS', 100));
    expect(taken.map((event) => [event.version, event.processingStatus])).toEqual([
      [2, 'PROCESSING'],
      [3, 'PROCESSING'],
      [4, 'SUCCESS'],
    ]);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  test('a state offered while the reader is not waiting is pulled, not pushed (the order of what it sends holds)', async () => {
    const { stream, taken } = pushed();
    await stream.next();
    // The reader has not asked for the next event yet: it may still be sending the last one.
    stream.offer(snapshot(2));
    expect(taken).toEqual([]);
    expect((await stream.next()).value).toMatchObject({ version: 2 });
  });

  test('what the push declines is pulled by the waiting reader, and the newest state wins', async () => {
    const { stream, taken } = pushed((event) => event.version !== 3);
    await stream.next();
    const waiting = stream.next();
    await turn();
    stream.offer(snapshot(2));
    stream.offer(snapshot(3));
    expect(taken.map((event) => event.version)).toEqual([2]);
    expect((await waiting).value).toMatchObject({ version: 3 });
  });

  test('a push that throws is a decline: the reader gets the state, and the stream goes on', async () => {
    const stream = new ProgressStream(
      snapshot(1),
      () => true,
      () => {},
    );
    stream.pushTo(() => {
      throw new Error('socket gone');
    });
    await stream.next();
    const waiting = stream.next();
    await turn();
    expect(() => stream.offer(snapshot(2))).not.toThrow();
    expect((await waiting).value).toMatchObject({ version: 2 });
  });

  test('a pushed event never shows less progress than the reader was already told', async () => {
    const { stream, taken } = pushed();
    expect((await stream.next()).value).toMatchObject({ progressPercentage: 10 });
    void stream.next();
    await turn();
    stream.offer(snapshot(2, 'PROCESSING', 60));
    // A retry sets the run's progress back: the subscriber keeps what it saw.
    stream.offer(snapshot(3, 'PROCESSING', 20));
    expect(taken.map((event) => [event.version, event.progressPercentage])).toEqual([
      [2, 60],
      [3, 60],
    ]);
  });
});
