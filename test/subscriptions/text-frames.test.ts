import { describe, expect, test } from 'vitest';
import * as ws from 'ws';
import { textFrames } from '../../src/http/graphql-ws.ts';

// The frames graphql-ws.ts writes directly, several in one buffer, read back by ws's own client-side
// parser: every length form (7-bit, 16-bit, 64-bit) and text beyond ASCII.

// ws's parser is exported, not typed by @types/ws.
interface FrameParser {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer, callback: () => void): void;
}
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean }) => FrameParser };

function parse(buffer: Buffer): Promise<string[]> {
  const receiver = new Receiver({ isServer: false });
  const messages: string[] = [];
  return new Promise((resolve, reject) => {
    receiver.on('message', (data, isBinary) => {
      if (isBinary) reject(new Error('a binary frame'));
      messages.push(data.toString('utf8'));
    });
    receiver.on('error', reject);
    receiver.write(buffer, () => resolve(messages));
  });
}

describe('textFrames', () => {
  test('several text messages in one buffer come out one message each, whatever their length', async () => {
    const messages = [
      '',
      '{}',
      'a'.repeat(125),
      'b'.repeat(126),
      'é'.repeat(40_000),
      'c'.repeat(65_535),
      'd'.repeat(65_536),
      '{"id":"😀","x":"ü"}',
    ];
    expect(await parse(textFrames(messages))).toEqual(messages);
  });
});
