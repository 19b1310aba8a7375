import type { CourseDay, CourseRules, CourseSpec } from "../domain/index.js";
import { courseDates, toClock, toMinutes } from "./clock.js";
import { ScheduleError } from "./planning-error.js";

type ScheduleRules = CourseRules["schedule"];

/** Something to place on the timetable: its length, and whether it must run on directly into the next item. */
export interface Placeable {
  minutes: number;
  /** Heavy practice and its de-roling: same day, same block, no break between. */
  keepWithNext?: boolean;
}

export interface Placement {
  date: string;
  start: string;
  end: string;
}

export interface Timetable {
  /** For each item, where it falls. */
  placements: Placement[];
  /** For each day after the first, the index of the item it starts with (where its check-in goes before). */
  dayStarts: number[];
  days: CourseDay[];
}

/** The number of course days a spec asks for: its hours at its daily cap, never more. */
export function daysAskedFor(spec: Pick<CourseSpec, "totalHours" | "maxHoursPerDay">): number {
  return Math.ceil(spec.totalHours / spec.maxHoursPerDay - 1e-9);
}

/** Whether `hours` make days, at the daily cap, none of which need be shorter than the shortest day. */
function holdsFullDays(hours: number, maxHoursPerDay: number, minDayMinutes: number): boolean {
  return hours * 60 >= minDayMinutes * daysAskedFor({ totalHours: hours, maxHoursPerDay });
}

/**
 * Refuses hours that cannot make whole days at the daily cap (47 hours on two-hour days make 24 days, one of them
 * under the rules' shortest day): a trainer would not run a 40-minute sitting, so the spec must change. The error
 * names the nearest hours that work and the daily cap that would.
 */
export function assertFullDays(spec: Pick<CourseSpec, "totalHours" | "maxHoursPerDay">, rules: ScheduleRules): void {
  if (holdsFullDays(spec.totalHours, spec.maxHoursPerDay, rules.minDayMinutes)) return;
  let fewer = spec.totalHours - 0.5;
  while (fewer > 0 && !holdsFullDays(fewer, spec.maxHoursPerDay, rules.minDayMinutes)) fewer -= 0.5;
  let more = spec.totalHours + 0.5;
  while (!holdsFullDays(more, spec.maxHoursPerDay, rules.minDayMinutes)) more += 0.5;
  let cap = spec.maxHoursPerDay + 0.5;
  while (!holdsFullDays(spec.totalHours, cap, rules.minDayMinutes)) cap += 0.5;
  const days = daysAskedFor(spec);
  const hours = (h: number) => `${h} hour${h === 1 ? "" : "s"}`;
  throw new ScheduleError(
    `${spec.totalHours} contact hours do not fit ${days} days of at most ${hours(spec.maxHoursPerDay)} without a day under ${hours(rules.minDayMinutes / 60)}: ` +
      `choose ${fewer >= 4 ? `${fewer} or ` : ""}${more} hours, or allow ${hours(cap)} a day.`,
  );
}

/**
 * Splits the items into exactly `dayCount` consecutive days, each within the daily cap (a check-in of `checkIn`
 * minutes opens every day after the first) and, where the hours allow, none shorter than the rules' shortest day;
 * among the splits that do, the one whose days are most even. A day never ends inside a bundle (heavy practice and
 * its de-roling). Undefined when no split holds the items.
 */
export function splitIntoDays(
  items: readonly Placeable[],
  dayCount: number,
  dailyCap: number,
  checkIns: number | readonly number[],
  minDay: number,
  /** Only a split with no day under the shortest (else, failing that, any split within the cap). */
  strict = false,
): number[] | undefined {
  const checkIn = (k: number) => (k === 0 ? 0 : typeof checkIns === "number" ? checkIns : (checkIns[k - 1] ?? 0));
  const n = items.length;
  const prefix = [0];
  for (const item of items) prefix.push(prefix.at(-1)! + item.minutes);
  let total = prefix[n]!;
  for (let k = 1; k < dayCount; k++) total += checkIn(k);
  const target = total / dayCount;
  const canEndAfter = (j: number) => j === n || (j > 0 && !items[j - 1]!.keepWithNext);
  for (const shortest of strict ? [Math.min(minDay, Math.floor(total / dayCount))] : [Math.min(minDay, Math.floor(total / dayCount)), 0]) {
    // cost[k][j]: the least squared unevenness of k days holding the first j items; from[k][j]: where day k starts.
    const cost: number[][] = Array.from({ length: dayCount + 1 }, () => new Array<number>(n + 1).fill(Infinity));
    const from: number[][] = Array.from({ length: dayCount + 1 }, () => new Array<number>(n + 1).fill(-1));
    cost[0]![0] = 0;
    for (let k = 1; k <= dayCount; k++) {
      for (let j = 1; j <= n; j++) {
        if (!canEndAfter(j)) continue;
        for (let i = j - 1; i >= 0; i--) {
          const minutes = prefix[j]! - prefix[i]! + checkIn(k - 1);
          if (minutes > dailyCap) break;
          if (cost[k - 1]![i] === Infinity || minutes < shortest) continue;
          const c = cost[k - 1]![i]! + (minutes - target) ** 2;
          if (c < cost[k]![j]!) {
            cost[k]![j] = c;
            from[k]![j] = i;
          }
        }
      }
    }
    if (cost[dayCount]![n] === Infinity) continue;
    const starts: number[] = [];
    for (let k = dayCount, j = n; k > 0; k--) {
      const i = from[k]![j]!;
      starts.unshift(i);
      j = i;
    }
    return starts;
  }
  return undefined;
}

/** The check-in's place among a day's unit members (items are numbered from 0). */
const CHECK_IN = -1;

/** Groups a day's items into units that must not be separated by a break (a bundle counts as one). */
function unitsOf(items: readonly Placeable[], indexes: readonly number[]): number[][] {
  const units: number[][] = [];
  let unit: number[] = [];
  for (const i of indexes) {
    unit.push(i);
    if (!items[i]!.keepWithNext || i === indexes.at(-1)) {
      units.push(unit);
      unit = [];
    }
  }
  return units;
}

/**
 * Packs a day's units into blocks of at most `maxBlock` contact minutes, greedily (the fewest blocks, so no more
 * breaks than the blocks need). `forcedBreakAfter`, when given, also ends a block after that unit.
 */
function packBlocks(unitMinutes: readonly number[], maxBlock: number, forcedBreakAfter?: number): number[][] {
  const blocks: number[][] = [];
  let block: number[] = [];
  let used = 0;
  unitMinutes.forEach((m, u) => {
    if (block.length > 0 && used + m > maxBlock) {
      blocks.push(block);
      block = [];
      used = 0;
    }
    block.push(u);
    used += m;
    if (u === forcedBreakAfter) {
      blocks.push(block);
      block = [];
      used = 0;
    }
  });
  if (block.length > 0) blocks.push(block);
  return blocks;
}

/** Clock times of the breaks between blocks, given which break is the meal. */
function breakStarts(blocks: readonly number[][], unitMinutes: readonly number[], dayStart: number, rules: ScheduleRules, meal: number): number[] {
  const starts: number[] = [];
  let clock = dayStart;
  blocks.forEach((b, k) => {
    clock += b.reduce((sum, u) => sum + unitMinutes[u]!, 0);
    if (k < blocks.length - 1) {
      starts.push(clock);
      clock += k === meal ? rules.lunch.minutes : rules.shortBreakMinutes;
    }
  });
  return starts;
}

/**
 * The blocks of one day and which break is the meal (-1 for none). Days with more contact than the rules'
 * threshold get one: on days that start by `dayStartsBy`, lunch starting within the lunch window (moving one block
 * boundary when the natural one misses it, never adding a block); on later days, and on days over before the window
 * ends, the break nearest the middle.
 */
function planDay(unitMinutes: readonly number[], dayStart: number, rules: ScheduleRules): { blocks: number[][]; meal: number } {
  const contact = unitMinutes.reduce((a, b) => a + b, 0);
  const greedy = packBlocks(unitMinutes, rules.maxBlockMinutes);
  if (contact <= rules.lunch.afterContactMinutes || greedy.length < 2) return { blocks: greedy, meal: -1 };
  const middle = (blocks: number[][]) => {
    let best = 0;
    let bestDistance = Infinity;
    let before = 0;
    for (let k = 0; k < blocks.length - 1; k++) {
      before += blocks[k]!.reduce((sum, u) => sum + unitMinutes[u]!, 0);
      if (Math.abs(before - contact / 2) < bestDistance) {
        bestDistance = Math.abs(before - contact / 2);
        best = k;
      }
    }
    return best;
  };
  if (dayStart > toMinutes(rules.lunch.dayStartsBy)) return { blocks: greedy, meal: middle(greedy) };

  const earliest = toMinutes(rules.lunch.earliest);
  const latest = toMinutes(rules.lunch.latest);
  const inWindow = (blocks: number[][]) => {
    // Which break starts in the window when it is the meal; the one nearest the middle of the day wins.
    const candidates = blocks.slice(0, -1).map((_, k) => k).filter((k) => {
      const start = breakStarts(blocks, unitMinutes, dayStart, rules, k)[k]!;
      return start >= earliest && start <= latest;
    });
    const mid = middle(blocks);
    return candidates.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid))[0];
  };
  const natural = inWindow(greedy);
  if (natural !== undefined) return { blocks: greedy, meal: natural };
  // Move one boundary into the window: the packing with a break forced after some unit, as few blocks as the greedy one.
  for (let u = 0; u < unitMinutes.length - 1; u++) {
    const blocks = packBlocks(unitMinutes, rules.maxBlockMinutes, u);
    if (blocks.length > greedy.length) continue;
    const meal = inWindow(blocks);
    if (meal !== undefined) return { blocks, meal };
  }
  return { blocks: greedy, meal: middle(greedy) };
}

/**
 * Puts items (in teaching order, without check-ins) on the calendar: exactly the days the spec asks for (its hours
 * at the daily cap), balanced, on the chosen weekdays from the start date; within a day, blocks of at most the
 * rules' block length separated by short breaks, and a meal break on long days. A check-in of `checkInMinutes` opens
 * every day after the first (its placement is the day's start; `dayStarts` says before which item).
 * Throws ScheduleError when the chosen days cannot hold the items.
 */
export function layOut(
  items: readonly Placeable[],
  spec: Pick<CourseSpec, "startDate" | "days" | "dayStart" | "maxHoursPerDay" | "totalHours">,
  rules: ScheduleRules,
  checkInMinutes: number | readonly number[],
  /** For a designer's edits: rather than refuse, add a day (the audit then says the days are not as asked). */
  extraDaysAllowed = 0,
): Timetable & { checkIns: Placement[] } {
  const checkInOn = (k: number) => (typeof checkInMinutes === "number" ? checkInMinutes : (checkInMinutes[k - 1] ?? 0));
  let dayCount = daysAskedFor(spec);
  const cap = spec.maxHoursPerDay * 60;
  let starts = splitIntoDays(items, dayCount, cap, checkInMinutes, rules.minDayMinutes);
  for (let extra = 1; !starts && extra <= extraDaysAllowed; extra++) {
    starts = splitIntoDays(items, dayCount + extra, cap, checkInMinutes, rules.minDayMinutes);
    if (starts) dayCount += extra;
  }
  if (!starts) {
    // Say what would fit: the smallest daily cap (up to eight hours) at which these sessions make whole days.
    let fits: number | undefined;
    for (let hours = spec.maxHoursPerDay + 0.5; hours <= 8 && fits === undefined; hours += 0.5) {
      if (splitIntoDays(items, daysAskedFor({ ...spec, maxHoursPerDay: hours }), hours * 60, checkInMinutes, rules.minDayMinutes)) fits = hours;
    }
    throw new ScheduleError(
      `${spec.totalHours} contact hours do not fit ${dayCount} day${dayCount === 1 ? "" : "s"} of at most ${spec.maxHoursPerDay} hours once sessions, de-roling and day check-ins are placed` +
        (fits ? `; allow ${fits} hours a day.` : "; choose more hours a day or fewer hours."),
    );
  }
  const dates = courseDates(spec.startDate, spec.days);
  const dayStart = toMinutes(spec.dayStart);
  const placements: Placement[] = new Array(items.length);
  // By day (index k - 1 for day k); a day added for a designer's edit has none.
  const checkIns: Placement[] = [];
  const days: CourseDay[] = [];
  starts.forEach((first, k) => {
    const date = dates.next().value;
    const end = k + 1 < starts.length ? starts[k + 1]! : items.length;
    const indexes = Array.from({ length: end - first }, (_, i) => first + i);
    // The check-in (days after the first) is the day's first unit, then the items' units.
    const units: number[][] = [...(k > 0 && checkInOn(k) > 0 ? [[CHECK_IN]] : []), ...unitsOf(items, indexes)];
    const length = (i: number) => (i === CHECK_IN ? checkInOn(k) : items[i]!.minutes);
    const unitMinutes = units.map((u) => u.reduce((sum, i) => sum + length(i), 0));
    const { blocks, meal } = planDay(unitMinutes, dayStart, rules);
    const breaks: CourseDay["breaks"] = [];
    let clock = dayStart;
    blocks.forEach((block, b) => {
      if (b > 0) {
        const isMeal = b - 1 === meal;
        const minutes = isMeal ? rules.lunch.minutes : rules.shortBreakMinutes;
        breaks.push({ start: toClock(clock), end: toClock(clock + minutes), label: isMeal ? (dayStart > toMinutes(rules.lunch.dayStartsBy) ? "Meal break" : "Lunch") : "Break" });
        clock += minutes;
      }
      for (const u of block) {
        for (const i of units[u]!) {
          const placement = { date, start: toClock(clock), end: toClock(clock + length(i)) };
          if (i === CHECK_IN) checkIns[k - 1] = placement;
          else placements[i] = placement;
          clock += length(i);
        }
      }
    });
    days.push({ date, start: toClock(dayStart), end: toClock(clock), breaks });
  });
  return { placements, checkIns, dayStarts: starts.slice(1), days };
}

/** An item whose length may still move within its range, of one kind (practical or not) whose total is fixed. */
export interface Flexible extends Placeable {
  min: number;
  max: number;
  practical: boolean;
}

/**
 * Moves minutes between days so that the items fit the days the spec asks for, when their lengths as distributed
 * do not (a 40-hour week of five 8-hour days must fill each day exactly). Finds the split that overshoots the daily
 * cap least, then moves five minutes at a time from a day over the cap to one under it: each step shortens a
 * session on one day and lengthens one of the same kind (practical or not, so the practical share stays) on the
 * next, through other days when needed, until every day fits; heavy practice and its de-roling stay within one block. Returns the new lengths, or undefined when no such moves make the days fit.
 */
export function fitToDays(
  items: readonly Flexible[],
  dayCount: number,
  dailyCap: number,
  checkIn: { minutes: number; min: number },
  minDay: number,
  maxBlock: number,
): { minutes: number[]; checkIns: number[]; starts: number[] } | undefined {
  const checkIns = Array.from({ length: dayCount - 1 }, () => checkIn.minutes);
  const total = items.reduce((sum, i) => sum + i.minutes, 0) + checkIns.reduce((sum, m) => sum + m, 0);
  const shortest = Math.min(minDay, Math.floor(total / dayCount));
  // A split with no day under the shortest first, repaired if it must be; then a split with a short day, whose
  // repair lengthens it from the others.
  for (const strict of [true, false]) {
    // Each overshoot allowed gives another split to repair (none: a split that may need no repair at all); the
    // first that can be repaired wins.
    let previous = "";
    for (const over of [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90, 120]) {
      const starts = splitIntoDays(items, dayCount, dailyCap + over, checkIns, minDay, strict);
      if (!starts || starts.join() === previous) continue;
      previous = starts.join();
      const repaired = repairDays(items, starts, dailyCap, checkIn, maxBlock, shortest);
      if (repaired) return repaired;
    }
  }
  return undefined;
}

/**
 * Moves minutes between the days of a split (see fitToDays); a day's check-in may shorten to its minimum too (it
 * is input, like the sessions that are not practical). Undefined when the days cannot all come within the cap.
 */
function repairDays(
  items: readonly Flexible[],
  starts: readonly number[],
  dailyCap: number,
  checkIn: { minutes: number; min: number },
  maxBlock: number,
  /** The shortest day wanted (the rules' shortest, or less when the hours cannot give every day that much). */
  shortest = 0,
): { minutes: number[]; checkIns: number[]; starts: number[] } | undefined {
  const dayCount = starts.length;
  const minutes = items.map((i) => i.minutes);
  const checkIns = Array.from({ length: dayCount - 1 }, () => checkIn.minutes);
  const dayOf = (i: number) => starts.filter((s) => s <= i).length - 1;
  const dayTotal = (d: number) => minutes.reduce((sum, m, i) => (dayOf(i) === d ? sum + m : sum), 0) + (d > 0 ? checkIns[d - 1]! : 0);
  /** What to shorten on a day: an item's index, the day's check-in (CHECK_IN_ITEM), or -1 for nothing. */
  const CHECK_IN_ITEM = -2;
  const bundleFits = (i: number, extra: number) => {
    const prev = i > 0 && items[i - 1]!.keepWithNext ? minutes[i - 1]! : 0;
    const next = items[i]!.keepWithNext ? (minutes[i + 1] ?? 0) : 0;
    return !(items[i]!.keepWithNext || (i > 0 && items[i - 1]!.keepWithNext)) || prev + minutes[i]! + next + extra <= maxBlock;
  };
  const shrinkable = (d: number, practical: boolean) => {
    const i = items.findIndex((it, j) => dayOf(j) === d && it.practical === practical && minutes[j]! - 5 >= it.min);
    if (i >= 0 || practical || d === 0 || checkIns[d - 1]! - 5 < checkIn.min) return i;
    return CHECK_IN_ITEM;
  };
  const growable = (d: number, practical: boolean) => items.findIndex((it, i) => dayOf(i) === d && it.practical === practical && minutes[i]! + 5 <= it.max && bundleFits(i, 5));
  /**
   * Moves five minutes along a chain of days from `start`, which gives them (a day over the cap) or takes them (a
   * day under the shortest), passing through other days when needed until a day that `ends` accepts: each link
   * shortens a session of one kind on the giving day and lengthens one of the same kind on the taking day. False
   * when no such chain exists.
   */
  const moveFive = (start: number, startGives: boolean, ends: (day: number) => boolean): boolean => {
    const link = new Map<number, { day: number; practical: boolean }>([[start, { day: -1, practical: false }]]);
    const queue = [start];
    let end = -1;
    while (queue.length > 0 && end < 0) {
      const u = queue.shift()!;
      for (let v = 0; v < dayCount && end < 0; v++) {
        if (link.has(v)) continue;
        for (const practical of [true, false]) {
          const [giver, taker] = startGives ? [u, v] : [v, u];
          if (shrinkable(giver, practical) === -1 || growable(taker, practical) < 0) continue;
          link.set(v, { day: u, practical });
          if (ends(v)) end = v;
          else queue.push(v);
          break;
        }
      }
    }
    if (end < 0) return false;
    for (let v = end; v !== start; ) {
      const step = link.get(v)!;
      const [giver, taker] = startGives ? [step.day, v] : [v, step.day];
      const shrink = shrinkable(giver, step.practical);
      const grow = growable(taker, step.practical);
      if (shrink === CHECK_IN_ITEM) checkIns[giver - 1]! -= 5;
      else minutes[shrink]! -= 5;
      minutes[grow]! += 5;
      v = step.day;
    }
    return true;
  };
  for (let guard = 0; guard < 4000; guard++) {
    const totals = Array.from({ length: dayCount }, (_, d) => dayTotal(d));
    const over = totals.findIndex((t) => t > dailyCap);
    if (over >= 0) {
      if (!moveFive(over, true, (d) => totals[d]! + 5 <= dailyCap)) return undefined;
      continue;
    }
    // Within the cap everywhere: then a day under the shortest takes five minutes from one that can spare them.
    const short = totals.findIndex((t) => t < shortest);
    if (short < 0) return { minutes, checkIns, starts: [...starts] };
    if (!moveFive(short, false, (d) => totals[d]! - 5 >= shortest)) return undefined;
  }
  return undefined;
}
