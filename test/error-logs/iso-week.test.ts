import { afterEach, describe, expect, test } from 'vitest';
import { logPathOf } from '../../src/modules/error-logs/error-logs.service.ts';
import { formatIsoWeek, isoWeekOf, isoWeeksInYear, parseIsoWeek } from '../../src/modules/error-logs/iso-week.ts';

// Checked against Python's date.isocalendar().
const edges: Array<[instant: string, week: string]> = [
  ['2024-12-29T23:59:59.999Z', '2024-W52'],
  ['2024-12-30T00:00:00.000Z', '2025-W01'],
  ['2021-01-03T23:59:59.999Z', '2020-W53'],
  ['2021-01-04T00:00:00.000Z', '2021-W01'],
  ['2020-12-31T12:00:00.000Z', '2020-W53'],
  ['2015-12-31T00:00:00.000Z', '2015-W53'],
  ['2016-01-03T23:00:00.000Z', '2015-W53'],
  ['2016-01-04T01:00:00.000Z', '2016-W01'],
  ['2026-12-31T00:00:00.000Z', '2026-W53'],
  ['2027-01-03T23:59:59.999Z', '2026-W53'],
  ['2027-01-04T00:00:00.000Z', '2027-W01'],
  ['2024-01-01T00:00:00.000Z', '2024-W01'],
  ['2023-01-01T00:00:00.000Z', '2022-W52'],
  ['2019-12-30T00:00:00.000Z', '2020-W01'],
  ['2008-12-29T00:00:00.000Z', '2009-W01'],
  ['2010-01-03T00:00:00.000Z', '2009-W53'],
  ['2000-01-01T00:00:00.000Z', '1999-W52'],
  ['2032-12-31T00:00:00.000Z', '2032-W53'],
  ['2024-04-14T23:59:59.999Z', '2024-W15'],
  ['2024-04-15T00:00:00.000Z', '2024-W16'],
];

const originalTz = process.env['TZ'];
afterEach(() => {
  if (originalTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = originalTz;
});

// The week is of the UTC day whatever the server's zone: the two extremes of the offsets, and UTC.
describe.each(['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])('isoWeekOf with TZ=%s', (zone) => {
  test.each(edges)('%s is in %s', (instant, week) => {
    process.env['TZ'] = zone;
    const offset = new Date('2024-06-01T00:00:00Z').getTimezoneOffset();
    expect(offset).toBe({ UTC: 0, 'Pacific/Kiritimati': -14 * 60, 'Pacific/Pago_Pago': 11 * 60 }[zone]);
    expect(formatIsoWeek(isoWeekOf(new Date(instant)))).toBe(week);
  });
});

test('weeks in an ISO year', () => {
  const long = [1998, 2004, 2009, 2015, 2020, 2026, 2032];
  const short = [2000, 2019, 2021, 2023, 2024, 2025, 2027];
  expect(long.map(isoWeeksInYear)).toEqual(long.map(() => 53));
  expect(short.map(isoWeeksInYear)).toEqual(short.map(() => 52));
});

test('parseIsoWeek takes weeks that exist and explains the rest', () => {
  expect(parseIsoWeek('2024-W15')).toEqual({ year: 2024, week: 15 });
  expect(parseIsoWeek('2020-W53')).toEqual({ year: 2020, week: 53 });
  expect(parseIsoWeek('2025-W01')).toEqual({ year: 2025, week: 1 });
  expect(parseIsoWeek('2021-W53')).toMatch(/01 to 52/);
  for (const bad of ['2024-W00', '2024-W54', '2024-W5', '2024-15', '24-W15', '2024W15', '2024-W15-1', '2024-w15', '', '0000-W01']) {
    expect(typeof parseIsoWeek(bad), bad).toBe('string');
  }
});

test('the path of a week log', () => {
  const id = '7f0c1c3e-8a4b-4e0f-9a57-2d1f8c3b6e10';
  expect(logPathOf(id, isoWeekOf(new Date('2024-12-30T00:00:00Z')))).toBe(`customer-error-logs/${id}/errors-2025-W01.log`);
  expect(logPathOf(id, { year: 2024, week: 5 })).toBe(`customer-error-logs/${id}/errors-2024-W05.log`);
});
