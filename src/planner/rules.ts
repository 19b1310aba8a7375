import type { Catalog } from "../content/index.js";
import type { Curriculum } from "../domain/index.js";
import { MIN_PRACTICAL_SHARE } from "./constants.js";

/** A rule of a sound curriculum that an edit would break, in words a designer can act on. */
export interface BrokenRule {
  rule: string;
  message: string;
}

const hours = (minutes: number) => `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;

/**
 * The rules every saved curriculum keeps (the planner's guarantees that a designer's edits could break).
 * The timetable rules need no check here: the timetable is always laid out anew.
 */
export function checkRules(c: Pick<Curriculum, "spec" | "sessions" | "totals">, catalog: Catalog): BrokenRule[] {
  const broken: BrokenRule[] = [];
  const { spec, sessions, totals } = c;
  const template = (id: string) => catalog.session(id);

  const contact = spec.totalHours * 60;
  if (totals.contactMinutes !== contact) {
    const diff = totals.contactMinutes - contact;
    broken.push({
      rule: "contact-time",
      message: `The sessions add up to ${hours(totals.contactMinutes)}, but the course has ${hours(contact)} of contact time: ${diff > 0 ? "shorten or remove" : "lengthen or add"} sessions by ${Math.abs(diff)} minutes.`,
    });
  }
  if (totals.practicalShare < MIN_PRACTICAL_SHARE) {
    broken.push({
      rule: "practical-share",
      message: `Practical work (role-play, simulation, supervised practice) would be ${Math.round(totals.practicalShare * 100)}% of contact time; it must stay at least ${MIN_PRACTICAL_SHARE * 100}%.`,
    });
  }
  for (const method of ["role-play", "simulation"] as const) {
    if (!sessions.some((s) => s.method === method)) broken.push({ rule: `needs-${method}`, message: `The course needs at least one ${method}.` });
  }
  for (const s of sessions.filter((x) => x.method === "role-play" || x.method === "simulation")) {
    const scenario = s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined;
    if (!scenario || scenario.sector !== spec.sector || scenario.method !== s.method) {
      broken.push({ rule: "scenario", message: `"${s.title}" needs a ${spec.sector} ${s.method} scenario.` });
    }
  }
  const introduced = new Set(sessions.flatMap((s) => s.introduces));
  const practised = new Set(sessions.flatMap((s) => s.practises));
  for (const core of catalog.competencies.filter((x) => x.core)) {
    if (!introduced.has(core.id)) broken.push({ rule: "core-introduced", message: `No session introduces the core competency "${core.name}".` });
    else if (!practised.has(core.id)) {
      broken.push({ rule: "core-practised", message: `No practical session after its introduction practises the core competency "${core.name}".` });
    }
  }
  for (const tier of spec.tiers) {
    if (!sessions.some((s) => s.tiers.includes(tier))) {
      broken.push({ rule: "levels", message: `No session covers the ERNST level "${catalog.tier(tier)?.name ?? tier}".` });
    }
  }
  if (template(sessions[0]?.templateId ?? "")?.purpose !== "opening") broken.push({ rule: "opening", message: "The course must open with an opening session." });
  if (template(sessions.at(-1)?.templateId ?? "")?.purpose !== "closing") broken.push({ rule: "closing", message: "The course must end with the closing session." });
  sessions.forEach((s, i) => {
    if (!template(s.templateId)?.heavy) return;
    const next = sessions[i + 1] && template(sessions[i + 1]!.templateId);
    if (!next || !(next.purpose === "deroling" || next.method === "reflection")) {
      broken.push({ rule: "deroling", message: `"${s.title}" is emotionally heavy: it must be followed directly by de-roling or reflection.` });
    }
  });
  return broken;
}
