import type { Catalog } from "../content/index.js";
import { isPractical, type CourseDay, type CourseSpec, type Curriculum, type Practice, type Scenario, type ScheduledSession, type SessionTemplate } from "../domain/index.js";
import { auditCurriculum } from "./audit.js";
import { creditedPractice } from "./course-topics.js";
import { sizePractice, staffingFor, turnTarget } from "./practice.js";
import { daysAskedFor, layOut } from "./schedule.js";
import { coverageOf, totalsOf } from "./summarise.js";

/** A session in course order before it has times: what plan() and revise() both hand to `assemble`. */
export interface CourseItem {
  id: string;
  template: SessionTemplate;
  minutes: number;
  scenarioId?: string | undefined;
}

export type AssembledCurriculum = Pick<Curriculum, "title" | "spec" | "sessions" | "days" | "totals" | "coverage" | "omittedEmphasis" | "staffing" | "audit">;

/**
 * How each practical session runs for the group: the template's preferred format first; while the course gives
 * fewer supporter turns than its length calls for, sessions switch, one at a time in course order, to the format
 * that gives the most turns.
 */
function practiceFor(items: readonly CourseItem[], spec: CourseSpec, catalog: Catalog): (Practice | undefined)[] {
  const rules = catalog.rules;
  const practice = items.map((item) => (isPractical(item.template.method) ? sizePractice(item.template, item.minutes, spec.groupSize, rules) : undefined));
  const target = turnTarget(spec.totalHours, rules);
  const total = () => practice.reduce((sum, p) => sum + (p?.supporterTurnsPerParticipant ?? 0), 0);
  for (let i = 0; i < items.length && total() < target; i++) {
    if (practice[i]) practice[i] = sizePractice(items[i]!.template, items[i]!.minutes, spec.groupSize, rules, true);
  }
  return practice;
}

/** The items on the calendar: each with its date and times, and a check-in before the first item of every day after the first. */
export interface CourseTimetable {
  sequence: { item: CourseItem; placement: { date: string; start: string; end: string } }[];
  days: CourseDay[];
  /** The date of each item given, in the order given ("" for the check-ins, which the timetable places itself). */
  dates: string[];
}

/**
 * Lays ordered items out on the calendar (see layOut). The scenarios do not change it, so the planner lays a course
 * out once, chooses its scenarios for the days, and assembles it with this timetable.
 * Throws ScheduleError when the days cannot hold the items.
 */
export function timetableFor(items: readonly CourseItem[], spec: CourseSpec, catalog: Catalog, extraDaysAllowed = 0): CourseTimetable {
  const checkIn = catalog.sessions.find((t) => t.purpose === "check-in");
  const teaching = items.filter((item) => item.template.purpose !== "check-in");
  // The check-ins' lengths in day order (the planner may shorten one to fill a day exactly); any further day gets the written length.
  const checkInMinutes = items.filter((item) => item.template.purpose === "check-in").map((item) => item.minutes);
  const perDay = Array.from({ length: Math.max(0, daysAskedFor(spec) - 1) }, (_, d) => checkInMinutes[d] ?? checkIn?.minutes.default ?? 0);
  const timetable = layOut(
    teaching.map((item, i) => ({ minutes: item.minutes, keepWithNext: item.template.heavy && i + 1 < teaching.length })),
    spec,
    catalog.rules.schedule,
    perDay,
    extraDaysAllowed,
  );
  // The sequence with a check-in before the first item of every day after the first.
  const sequence: CourseTimetable["sequence"] = [];
  const dateOf = new Map<CourseItem, string>();
  teaching.forEach((item, i) => {
    const day = timetable.dayStarts.indexOf(i);
    if (day >= 0 && checkIn && timetable.checkIns[day]) {
      sequence.push({ item: { id: day === 0 ? checkIn.id : `${checkIn.id}-${day + 1}`, template: checkIn, minutes: perDay[day]! }, placement: timetable.checkIns[day]! });
    }
    sequence.push({ item, placement: timetable.placements[i]! });
    dateOf.set(item, timetable.placements[i]!.date);
  });
  return { sequence, days: timetable.days, dates: items.map((item) => dateOf.get(item) ?? "") };
}

/**
 * Turns ordered items into the curriculum's sessions, timetable, totals, coverage, staffing and audit. A session
 * practises only what an earlier session (or itself, for input) introduced and what its scenario practises too, so
 * "input before practice" holds by construction and a reorder that breaks it shows up as lost practice. Day
 * check-ins are laid anew at the start of every day after the first.
 */
export function assemble(items: readonly CourseItem[], spec: CourseSpec, catalog: Catalog, options: { extraDaysAllowed?: number; timetable?: CourseTimetable } = {}): AssembledCurriculum {
  const order = new Map(catalog.competencies.map((c, i) => [c.id, i]));
  const byFramework = (ids: Iterable<string>) => [...new Set(ids)].sort((a, b) => order.get(a)! - order.get(b)!);
  // A timetable laid out before (by the planner, for the same items, whose scenarios may have changed since) is reused.
  const timetable = options.timetable ?? timetableFor(items, spec, catalog, options.extraDaysAllowed ?? 0);
  const { sequence } = timetable;
  const practice = practiceFor(sequence.map((s) => s.item), spec, catalog);
  const introduced = new Set<string>();
  const sessions: ScheduledSession[] = sequence.map(({ item, placement }, i) => {
    const t = item.template;
    const scenario = item.scenarioId ? catalog.scenario(item.scenarioId) : undefined;
    const introduces = byFramework(t.introduces);
    const practises = byFramework(isPractical(t.method) ? creditedPractice(t, scenario).filter((c) => introduced.has(c)) : []);
    for (const c of introduces) introduced.add(c);
    const session: ScheduledSession = {
      id: item.id,
      templateId: t.id,
      title: t.title,
      method: t.method,
      practical: isPractical(t.method),
      minutes: item.minutes,
      ...placement,
      competencies: byFramework([...introduces, ...practises]),
      introduces,
      practises,
      tiers: t.tiers.filter((tier) => spec.tiers.includes(tier)),
      objectives: [...t.objectives],
      scenarioIds: item.scenarioId ? [item.scenarioId] : [],
      phase: t.phase,
    };
    if (practice[i]) session.practice = practice[i];
    return session;
  });
  const included = new Set(sessions.flatMap((s) => s.competencies));
  const emphasised = catalog.sector(spec.sector)?.emphasis.map((e) => e.competency) ?? [];
  const totals = totalsOf(sessions);
  totals.supporterTurnsPerParticipant = Math.round(sessions.reduce((sum, s) => sum + (s.practice?.supporterTurnsPerParticipant ?? 0), 0) * 100) / 100;
  const scenarios = [...new Set(sessions.flatMap((s) => s.scenarioIds))].map((id) => catalog.scenario(id)).filter((s): s is Scenario => s !== undefined);
  const assembled: AssembledCurriculum = {
    title: spec.title,
    spec,
    sessions,
    days: timetable.days,
    totals,
    coverage: coverageOf(sessions, catalog),
    omittedEmphasis: emphasised.filter((c) => !included.has(c)),
    staffing: staffingFor(spec.groupSize, scenarios, catalog.rules),
  };
  return { ...assembled, audit: auditCurriculum(assembled, catalog) };
}
