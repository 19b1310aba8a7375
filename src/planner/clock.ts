import { addDays, format, getISODay, parseISO } from "date-fns";
import type { Weekday } from "../domain/index.js";

/** Minutes since midnight from "HH:mm". */
export function toMinutes(clock: string): number {
  const [h, m] = clock.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** "HH:mm" from minutes since midnight. */
export function toClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

const ISO_WEEKDAY: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/**
 * The course dates: from the start date on, only the chosen weekdays. Dates are calendar dates in the course's
 * own time zone, so no time-zone arithmetic is needed to list them; the zone is kept in the spec for exports.
 */
export function* courseDates(startDate: string, days: readonly Weekday[]): Generator<string> {
  const allowed = new Set(days.map((d) => ISO_WEEKDAY[d]));
  for (let date = parseISO(startDate); ; date = addDays(date, 1)) {
    if (allowed.has(getISODay(date))) yield format(date, "yyyy-MM-dd");
  }
}
