import type { CourseDay, CourseSpec } from "../domain/index.js";
import { courseDates, toClock, toMinutes } from "./clock.js";

/** The timetable rules the planner keeps (and the property tests check). */
export const SCHEDULE_RULES = {
  /** At most this much contact time without a break. */
  maxBlockMinutes: 90,
  shortBreakMinutes: 15,
  lunchMinutes: 45,
  /** Days with more contact time than this get a lunch break. */
  lunchAfterContactMinutes: 240,
} as const;

/** Something to place on the timetable: its length, and whether it must stay on the same day as the next item. */
export interface Placeable {
  minutes: number;
  /** Keep on the same day as the following item (heavy practice and its de-roling). */
  keepWithNext?: boolean;
}

export interface Placement {
  date: string;
  start: string;
  end: string;
}

export interface Timetable {
  placements: Placement[];
  days: CourseDay[];
}

/** Splits the items into days: a day ends before the item (or bundle) that would take it over the daily cap. */
function splitIntoDays(items: readonly Placeable[], dailyCap: number): number[][] {
  const days: number[][] = [];
  let current: number[] = [];
  let used = 0;
  for (let i = 0; i < items.length; ) {
    // A bundle is an item plus every following item it must stay with.
    let j = i;
    let bundleMinutes = items[i]!.minutes;
    while (items[j]!.keepWithNext && j + 1 < items.length) {
      j += 1;
      bundleMinutes += items[j]!.minutes;
    }
    if (current.length > 0 && used + bundleMinutes > dailyCap) {
      days.push(current);
      current = [];
      used = 0;
    }
    for (let k = i; k <= j; k++) current.push(k);
    used += bundleMinutes;
    i = j + 1;
  }
  if (current.length > 0) days.push(current);
  return days;
}

/**
 * Puts items on the calendar in order. Within a day, contact time runs in blocks of at most 90 minutes separated
 * by breaks; no item crosses a break or a day. On days with more than four contact hours, the break nearest the
 * middle of the day is a lunch break.
 */
export function layOut(items: readonly Placeable[], spec: Pick<CourseSpec, "startDate" | "days" | "dayStart" | "maxHoursPerDay">): Timetable {
  const dailyCap = spec.maxHoursPerDay * 60;
  const placements: Placement[] = new Array(items.length);
  const days: CourseDay[] = [];
  const dates = courseDates(spec.startDate, spec.days);
  const dayStart = toMinutes(spec.dayStart);

  for (const indexes of splitIntoDays(items, dailyCap)) {
    const date = dates.next().value;
    // Blocks: consecutive items whose contact time stays within the block limit.
    const blocks: number[][] = [];
    let block: number[] = [];
    let blockMinutes = 0;
    for (const i of indexes) {
      const minutes = items[i]!.minutes;
      if (block.length > 0 && blockMinutes + minutes > SCHEDULE_RULES.maxBlockMinutes) {
        blocks.push(block);
        block = [];
        blockMinutes = 0;
      }
      block.push(i);
      blockMinutes += minutes;
    }
    if (block.length > 0) blocks.push(block);

    const contact = indexes.reduce((sum, i) => sum + items[i]!.minutes, 0);
    const lunchAfterBlock = contact > SCHEDULE_RULES.lunchAfterContactMinutes ? middleBreak(blocks, items, contact) : -1;

    const breaks: CourseDay["breaks"] = [];
    let clock = dayStart;
    blocks.forEach((b, blockIndex) => {
      if (blockIndex > 0) {
        const lunch = blockIndex - 1 === lunchAfterBlock;
        const length = lunch ? SCHEDULE_RULES.lunchMinutes : SCHEDULE_RULES.shortBreakMinutes;
        breaks.push({ start: toClock(clock), end: toClock(clock + length), label: lunch ? "Lunch" : "Break" });
        clock += length;
      }
      for (const i of b) {
        placements[i] = { date, start: toClock(clock), end: toClock(clock + items[i]!.minutes) };
        clock += items[i]!.minutes;
      }
    });
    days.push({ date, start: toClock(dayStart), end: toClock(clock), breaks });
  }
  return { placements, days };
}

/** Index of the block after which lunch falls: the break whose contact time before it is nearest half the day. */
function middleBreak(blocks: number[][], items: readonly Placeable[], contact: number): number {
  let best = 0;
  let bestDistance = Infinity;
  let before = 0;
  for (let b = 0; b < blocks.length - 1; b++) {
    before += blocks[b]!.reduce((sum, i) => sum + items[i]!.minutes, 0);
    const distance = Math.abs(before - contact / 2);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = b;
    }
  }
  return best;
}
