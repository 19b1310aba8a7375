import { addDays, format, getISODay, parseISO } from "date-fns";
import { LAST_CALENDAR_DATE, type Weekday } from "../domain/index.js";
import { CalendarOverflowError } from "./planning-error.js";

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
 * The calendar ends on 9999-12-31: asking for a date past it throws CalendarOverflowError.
 */
export function* courseDates(startDate: string, days: readonly Weekday[]): Generator<string, never> {
  const allowed = new Set(days.map((d) => ISO_WEEKDAY[d]));
  for (let date = parseISO(startDate); ; date = addDays(date, 1)) {
    const day = format(date, "yyyy-MM-dd");
    // Years past 9999 print with five digits, which sort after "9999-12-31" only by luck: compare the year itself.
    if (date.getFullYear() > 9999 || day > LAST_CALENDAR_DATE) throw new CalendarOverflowError(LAST_CALENDAR_DATE);
    if (allowed.has(getISODay(date))) yield day;
  }
}
