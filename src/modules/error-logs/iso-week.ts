// One module each: the package's index loads its ~300 modules (~25 MB of every process's memory).
import { getISOWeek } from 'date-fns/getISOWeek';
import { getISOWeeksInYear } from 'date-fns/getISOWeeksInYear';
import { getISOWeekYear } from 'date-fns/getISOWeekYear';

/** An ISO-8601 week: `year` is the week-numbering year, which differs from the calendar year near New Year. */
export interface IsoWeek {
  readonly year: number;
  readonly week: number;
}

/**
 * The ISO week of an instant, in UTC. date-fns reads local-time fields, so it gets a local date
 * carrying the instant's UTC calendar day (at noon, clear of any DST jump): the result is then the
 * same whatever the process's TZ is.
 */
export function isoWeekOf(instant: Date): IsoWeek {
  const day = new Date(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate(), 12);
  return { year: getISOWeekYear(day), week: getISOWeek(day) };
}

/** "2024-W15". */
export function formatIsoWeek({ year, week }: IsoWeek): string {
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function isoWeeksInYear(year: number): number {
  // 4 January is always in week 1 of its own ISO year.
  const day = new Date(2000, 0, 4, 12);
  day.setFullYear(year);
  return getISOWeeksInYear(day);
}

/** Parses "2024-W15"; the reason as a string when it is not a week that exists. */
export function parseIsoWeek(text: string): IsoWeek | string {
  const match = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!match) return 'must be an ISO week such as "2024-W15"';
  const year = Number(match[1]);
  const week = Number(match[2]);
  if (year < 1) return 'must have a year from 0001 on';
  const weeks = isoWeeksInYear(year);
  if (week < 1 || week > weeks) return `must have a week from 01 to ${weeks} for ${match[1]}`;
  return { year, week };
}
