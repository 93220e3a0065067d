import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { findFreePort, rememberedOrFreePort } from '../../src/embedded/free-port.ts';

/** A real logger whose lines the test can read. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('an embedded service gets the port it had before when it is free', async () => {
  const { logger, lines } = recordingLogger();
  const remembered = await findFreePort();
  expect(await rememberedOrFreePort(remembered, 'embedded S3', logger)).toBe(remembered);
  expect(lines).toEqual([]);
});

test('another program on the remembered port: a new free port, and a warning that says so', async () => {
  const { logger, lines } = recordingLogger();
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const taken = (squatter.address() as net.AddressInfo).port;
  try {
    const port = await rememberedOrFreePort(taken, 'embedded S3', logger);
    expect(port).not.toBe(taken);
    expect(lines).toEqual([expect.objectContaining({ level: 40, service: 'embedded S3', remembered: taken, port })]);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});
