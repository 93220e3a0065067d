import { describe, expect, test } from 'vitest';
import { ReadBatches } from '../../src/db/read-batches.ts';

/** A ReadBatches whose statements end when the test says, each answering with its number. */
function controlled(options: { slots: number; maxPerStatement: number; keyAtATime?: boolean }) {
  const statements: Array<{ keys: string[]; end(): void }> = [];
  const batches = new ReadBatches<string, string>({
    ...options,
    run: (requests) =>
      new Promise((resolve) => {
        const number = statements.length;
        const keys = [...requests.keys()];
        statements.push({ keys, end: () => resolve(new Map(keys.map((key) => [key, `${key}@${number}`]))) });
      }),
  });
  return { batches, statements };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadBatches with keyAtATime', () => {
  test('a key asked for while its statement runs waits for the next one, with every other reader of it', async () => {
    const { batches, statements } = controlled({ slots: 4, maxPerStatement: 1, keyAtATime: true });
    const first = batches.read('page', 'page');
    const later = [batches.read('page', 'page'), batches.read('page', 'page'), batches.read('page', 'page')];
    await settle();
    // Slots were free, yet the key waits: one statement so far.
    expect(statements.map((s) => s.keys)).toEqual([['page']]);
    statements[0]!.end();
    expect(await first).toBe('page@0');
    await settle();
    expect(statements.map((s) => s.keys)).toEqual([['page'], ['page']]);
    statements[1]!.end();
    expect(await Promise.all(later)).toEqual(['page@1', 'page@1', 'page@1']);
  });

  test('other keys take the free slots meanwhile', async () => {
    const { batches, statements } = controlled({ slots: 2, maxPerStatement: 1, keyAtATime: true });
    const reads = [batches.read('a', 'a'), batches.read('a', 'a'), batches.read('b', 'b'), batches.read('c', 'c')];
    await settle();
    expect(statements.map((s) => s.keys)).toEqual([['a'], ['b']]);
    statements[1]!.end();
    await settle();
    // b's slot went to c, the first waiting key not in a statement; a still waits for its own.
    expect(statements.map((s) => s.keys)).toEqual([['a'], ['b'], ['c']]);
    statements[0]!.end();
    await settle();
    expect(statements.map((s) => s.keys)).toEqual([['a'], ['b'], ['c'], ['a']]);
    statements[2]!.end();
    statements[3]!.end();
    expect(await Promise.all(reads)).toEqual(['a@0', 'a@3', 'b@1', 'c@2']);
  });

  test('without it, a key asked for while a slot is free goes out at once, beside its running statement', async () => {
    const { batches, statements } = controlled({ slots: 4, maxPerStatement: 1 });
    const reads = [batches.read('page', 'page'), batches.read('page', 'page')];
    await settle();
    expect(statements.map((s) => s.keys)).toEqual([['page'], ['page']]);
    for (const statement of statements) statement.end();
    expect(await Promise.all(reads)).toEqual(['page@0', 'page@1']);
  });
});
