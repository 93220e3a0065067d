import { describe, expect, test } from 'vitest';
import { isoText } from '../../src/graphql/scalars.ts';

// DateTime's output is toISOString's, formatted by hand and remembered by the instant.

describe('DateTime output', () => {
  test("is toISOString's text, for every year it formats itself and past both ends", () => {
    const instants = [
      Date.UTC(2026, 11, 7, 4, 52, 1, 123),
      Date.UTC(2026, 0, 1, 0, 0, 0, 0),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 12, 5, 9, 7),
      Date.UTC(1970, 0, 1),
      -1,
      new Date('0005-05-03T02:01:00.045Z').getTime(),
      new Date('0000-01-01T00:00:00.000Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime(),
      new Date('-000001-06-01T00:00:00.000Z').getTime(),
      new Date('+010000-01-01T00:00:00.000Z').getTime(),
    ];
    for (let i = 0; i < 2000; i++) instants.push(Math.floor(Math.random() * 2 ** 42) - 2 ** 40);
    for (const instant of instants) {
      const date = new Date(instant);
      expect(isoText(date)).toBe(date.toISOString());
      // Remembered by the instant: a second Date of it, or the same one again, gives the same text.
      expect(isoText(new Date(instant))).toBe(date.toISOString());
    }
  });

  test('follows the instant, not the Date object: a Date changed after its first use gives its new text', () => {
    const date = new Date(Date.UTC(2026, 11, 7));
    expect(isoText(date)).toBe('2026-12-07T00:00:00.000Z');
    date.setUTCFullYear(2027);
    expect(isoText(date)).toBe('2027-12-07T00:00:00.000Z');
  });

  test('an invalid Date is refused, as toISOString refuses it, every time', () => {
    expect(() => isoText(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoText(new Date(Number.NaN))).toThrow(RangeError);
  });
});
