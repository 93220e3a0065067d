import { describe, expect, test } from 'vitest';
import type { Completion, FlowName, FlowStatus, ProcessingStatus } from '../../src/modules/workflows/workflow.ts';
import { ProgressStream, type Snapshot, type WorkflowProgressEvent } from '../../src/progress/progress-stream.ts';
import { pushedStream, turn } from './pushed-stream.ts';

// The worker commits a run's last flow's end, then the run's SUCCESS, a millisecond apart; the feed
// reads a state when its notice arrives, so it often reads the SUCCESS already. The subscription
// promises an event for each flow's end: the stream gives back the one version in between, which is
// known exactly, and nothing it does not know.

const FLOWS: FlowName[] = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'];
const LAST_DONE_AT = new Date('2026-12-07T10:00:00.000Z');

function state(version: number, processingStatus: ProcessingStatus, progressPercentage: number, lastFlow: FlowStatus): Snapshot {
  const completions = FLOWS.map((flow, position) => {
    const last = position === FLOWS.length - 1;
    return {
      flow,
      position,
      status: last ? lastFlow : 'SUCCESS',
      startedAt: new Date(Date.UTC(2026, 11, 7, 9, 59, position)),
      completedAt: last ? (lastFlow === 'SUCCESS' ? LAST_DONE_AT : null) : new Date(Date.UTC(2026, 11, 7, 9, 59, position + 1)),
    } as unknown as Completion;
  });
  const workflow = { id: 'w', title: 'Gift', version, processingStatus, progressPercentage, updatedAt: new Date() };
  return { workflow, completions, mediaFiles: [], deleted: false } as unknown as Snapshot;
}

const running = (version: number) => state(version, 'PROCESSING', 60, 'RUNNING');
const succeeded = (version: number) => state(version, 'SUCCESS', 100, 'SUCCESS');
const summary = (event: WorkflowProgressEvent) => [
  event.version,
  event.processingStatus,
  event.progressPercentage,
  event.flow,
  event.flowStatus,
];

async function pulled(stream: ProgressStream): Promise<WorkflowProgressEvent[]> {
  const events: WorkflowProgressEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const streamFrom = (first: Snapshot) =>
  new ProgressStream(
    first,
    () => true,
    () => {},
  );

/** The events a subscriber gets after the one of `first`, once `offered` comes. */
async function eventsAfter(first: Snapshot, offered: Snapshot): Promise<WorkflowProgressEvent[]> {
  const stream = streamFrom(first);
  await stream.next();
  stream.offer(offered);
  return pulled(stream);
}

describe('the end of the last flow, when the feed read the SUCCESS after it', () => {
  test('pulled: the flow’s end at 99 % and the version in between, then the SUCCESS', async () => {
    const stream = streamFrom(running(7));
    expect(summary((await stream.next()).value as WorkflowProgressEvent)).toEqual([7, 'PROCESSING', 60, 'CREATE_MEDIA', 'RUNNING']);
    stream.offer(succeeded(9));
    const rest = await pulled(stream);
    expect(rest.map(summary)).toEqual([
      [8, 'PROCESSING', 99, 'CREATE_MEDIA', 'SUCCESS'],
      [9, 'SUCCESS', 100, null, null],
    ]);
    expect(rest[0]!.workflow.updatedAt).toEqual(LAST_DONE_AT);
    expect(rest[0]!.completions).toBe(rest[1]!.completions);
  });

  test('pushed: both go to the push, in order, and the stream ends', async () => {
    const { stream, taken, ended } = pushedStream(running(7));
    await stream.next();
    const waiting = stream.next();
    await turn();
    stream.offer(succeeded(9));
    expect(taken.map(summary)).toEqual([
      [8, 'PROCESSING', 99, 'CREATE_MEDIA', 'SUCCESS'],
      [9, 'SUCCESS', 100, null, null],
    ]);
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(ended()).toBe(true);
  });

  test('two subscribers get the same state in between (one execution a shape)', async () => {
    const [first, second] = [streamFrom(running(7)), streamFrom(running(7))];
    await first.next();
    await second.next();
    const final = succeeded(9);
    first.offer(final);
    second.offer(final);
    const [a, b] = [(await first.next()).value as WorkflowProgressEvent, (await second.next()).value as WorkflowProgressEvent];
    expect(a.version).toBe(8);
    expect(a.workflow).toBe(b.workflow);
  });

  test('nothing is made up where the states in between are not known', async () => {
    // Three versions later (a title changed in between, say): only the SUCCESS.
    expect((await eventsAfter(running(7), succeeded(10))).map(summary)).toEqual([[10, 'SUCCESS', 100, null, null]]);
    // The last flow's end already seen: the SUCCESS follows it.
    expect((await eventsAfter(state(8, 'PROCESSING', 99, 'SUCCESS'), succeeded(10))).map(summary)).toEqual([
      [10, 'SUCCESS', 100, null, null],
    ]);
    // A run that failed: no flow end to give back.
    expect((await eventsAfter(running(7), state(9, 'FAILED', 60, 'FAILED'))).map((event) => event.version)).toEqual([9]);
  });
});
