import type { Catalog } from "../content/index.js";
import { isPractical, type CourseSpec, type Curriculum, type ScheduledSession, type SessionTemplate } from "../domain/index.js";
import { layOut } from "./schedule.js";
import { coverageOf, totalsOf } from "./summarise.js";

/** A session in course order before it has times: what plan() and revise() both hand to `assemble`. */
export interface CourseItem {
  id: string;
  template: SessionTemplate;
  minutes: number;
  scenarioId?: string;
}

export type AssembledCurriculum = Pick<Curriculum, "title" | "spec" | "sessions" | "days" | "totals" | "coverage" | "omittedEmphasis">;

/**
 * Turns ordered items into the curriculum's sessions, timetable, totals and coverage. A session practises only
 * what an earlier session (or itself, for input) introduced, so "input before practice" holds by construction and a
 * reorder that breaks it shows up as lost practice, which the rules then report.
 */
export function assemble(items: readonly CourseItem[], spec: CourseSpec, catalog: Catalog): AssembledCurriculum {
  const order = new Map(catalog.competencies.map((c, i) => [c.id, i]));
  const byFramework = (ids: Iterable<string>) => [...new Set(ids)].sort((a, b) => order.get(a)! - order.get(b)!);
  const introduced = new Set<string>();
  const unscheduled = items.map((item) => {
    const t = item.template;
    const introduces = byFramework(t.introduces);
    const practises = byFramework(t.practises.filter((c) => introduced.has(c)));
    for (const c of introduces) introduced.add(c);
    return {
      id: item.id,
      templateId: t.id,
      title: t.title,
      method: t.method,
      practical: isPractical(t.method),
      minutes: item.minutes,
      competencies: byFramework([...introduces, ...practises]),
      introduces,
      practises,
      tiers: t.tiers.filter((tier) => spec.tiers.includes(tier)),
      objectives: [...t.objectives],
      scenarioIds: item.scenarioId ? [item.scenarioId] : [],
    };
  });
  // Heavy practice stays on the same day as the de-roling that follows it.
  const timetable = layOut(
    unscheduled.map((s, i) => ({ minutes: s.minutes, keepWithNext: items[i]!.template.heavy && i + 1 < items.length })),
    spec,
  );
  const sessions: ScheduledSession[] = unscheduled.map((s, i) => ({ ...s, ...timetable.placements[i]! }));
  const included = new Set(sessions.flatMap((s) => s.competencies));
  const emphasised = catalog.sector(spec.sector)?.emphasis.map((e) => e.competency) ?? [];
  return {
    title: spec.title,
    spec,
    sessions,
    days: timetable.days,
    totals: totalsOf(sessions),
    coverage: coverageOf(sessions, catalog),
    omittedEmphasis: emphasised.filter((c) => !included.has(c)),
  };
}
