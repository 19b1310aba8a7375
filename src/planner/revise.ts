import type { Catalog } from "../content/index.js";
import { LAST_CALENDAR_DATE, scenarioMinutes, type Curriculum, type Edit, type SessionTemplate } from "../domain/index.js";
import { assemble, type CourseItem } from "./assemble.js";
import { ceil5 } from "./pick.js";
import { CalendarOverflowError, ScheduleError } from "./planning-error.js";
import { auditCurriculum, unmetRequired } from "./audit.js";
import { scenarioFits } from "./course-topics.js";

/** A rule of a sound curriculum that an edit would break, in words a designer can act on. */
export interface BrokenRule {
  rule: string;
  message: string;
}

/** A problem with one edit itself (unknown session, minutes out of range ...), with the edit's index. */
export interface EditProblem {
  path: string;
  message: string;
}

export type RevisionResult =
  | { ok: true; curriculum: Curriculum }
  | { ok: false; editProblems: EditProblem[]; brokenRules: BrokenRule[] };

/** Whether a template may run in this course: the sector's (or every sector's) and at one of the course's levels. */
function fitsCourse(t: SessionTemplate, c: Curriculum): boolean {
  return (t.sectors === "all" || t.sectors.includes(c.spec.sector)) && t.tiers.some((tier) => c.spec.tiers.includes(tier));
}

/** Templates that could replace a session: same method, fit for the course, sharing competencies first. */
export function alternatives(c: Curriculum, sessionId: string, catalog: Catalog): SessionTemplate[] {
  const session = c.sessions.find((s) => s.id === sessionId);
  if (!session) return [];
  const current = catalog.session(session.templateId);
  const wanted = new Set([...(current?.introduces ?? []), ...(current?.practises ?? [])]);
  const overlap = (t: SessionTemplate) => [...t.introduces, ...t.practises].filter((x) => wanted.has(x)).length;
  return catalog.sessions
    .filter((t) => t.id !== session.templateId && t.method === session.method && t.purpose === current?.purpose && fitsCourse(t, c))
    .sort((a, b) => overlap(b) - overlap(a) || a.id.localeCompare(b.id));
}

/**
 * Applies a designer's edits in order, re-times the course and re-checks its rules. Pure: returns the revised
 * curriculum (same id and version; the store bumps the version on save) or the problems, and never a curriculum
 * that breaks a rule (under 40% practical, core content lost, a heavy role-play without de-roling, ...).
 */
export function revise(curriculum: Curriculum, edits: readonly Edit[], catalog: Catalog, now: Date, title?: string): RevisionResult {
  const problems: EditProblem[] = [];
  const items: CourseItem[] = curriculum.sessions.map((s) => ({
    id: s.id,
    template: catalog.session(s.templateId)!,
    minutes: s.minutes,
    scenarioId: s.scenarioIds[0],
  }));
  const used = new Set(items.map((i) => i.id));
  const newId = (templateId: string) => {
    let n = 1;
    let id = templateId;
    while (used.has(id)) id = `${templateId}-${++n}`;
    used.add(id);
    return id;
  };
  const scenarioFor = (t: SessionTemplate): string | undefined => {
    if (!t.scenario) return undefined;
    const inUse = new Set(items.map((i) => i.scenarioId));
    const options = catalog.scenarios.filter((s) => s.sector === curriculum.spec.sector && scenarioFits(t, s, curriculum.spec.tiers));
    return (options.find((s) => !inUse.has(s.id)) ?? options[0])?.id;
  };
  const itemFor = (t: SessionTemplate, id: string): CourseItem => {
    const scenarioId = scenarioFor(t);
    const scenario = scenarioId ? catalog.scenario(scenarioId) : undefined;
    return { id, template: t, scenarioId, minutes: Math.max(t.minutes.default, scenario ? ceil5(scenarioMinutes(scenario)) : 0) };
  };

  edits.forEach((edit, i) => {
    const at = `edits[${i}]`;
    const index = "session" in edit ? items.findIndex((x) => x.id === edit.session) : -1;
    if ("session" in edit && index < 0) {
      problems.push({ path: `${at}.session`, message: `names no session of this curriculum: "${edit.session}"` });
      return;
    }
    const template = (id: string, path: string): SessionTemplate | undefined => {
      const t = catalog.session(id);
      if (!t) problems.push({ path, message: `names no session template: "${id}"` });
      else if (!fitsCourse(t, curriculum)) problems.push({ path, message: `"${t.title}" is not written for the ${curriculum.spec.sector} sector at this course's levels` });
      else return t;
      return undefined;
    };
    switch (edit.op) {
      case "move": {
        const [item] = items.splice(index, 1);
        items.splice(Math.min(edit.to, items.length), 0, item!);
        break;
      }
      case "resize": {
        const item = items[index]!;
        const scenario = item.scenarioId ? catalog.scenario(item.scenarioId) : undefined;
        const min = Math.max(item.template.minutes.min, scenario ? ceil5(scenarioMinutes(scenario)) : 0);
        if (edit.minutes < min || edit.minutes > item.template.minutes.max) {
          problems.push({ path: `${at}.minutes`, message: `must be between ${min} and ${item.template.minutes.max} minutes for "${item.template.title}"` });
        } else item.minutes = edit.minutes;
        break;
      }
      case "swap": {
        const t = template(edit.template, `${at}.template`);
        if (t) items[index] = itemFor(t, newId(t.id));
        break;
      }
      case "add": {
        const t = template(edit.template, `${at}.template`);
        if (t) items.splice(Math.min(edit.at ?? items.length - 1, items.length), 0, itemFor(t, newId(t.id)));
        break;
      }
      case "remove":
        items.splice(index, 1);
        break;
      case "scenario": {
        const item = items[index]!;
        const scenario = catalog.scenario(edit.scenario);
        if (!item.template.scenario) problems.push({ path: `${at}.session`, message: `"${item.template.title}" runs no scenario` });
        else if (!scenario || scenario.sector !== curriculum.spec.sector || scenario.method !== item.template.scenario.method) {
          problems.push({ path: `${at}.scenario`, message: `must be a ${curriculum.spec.sector} ${item.template.scenario.method} scenario` });
        } else {
          item.scenarioId = scenario.id;
          item.minutes = Math.min(item.template.minutes.max, Math.max(item.minutes, ceil5(scenarioMinutes(scenario))));
        }
        break;
      }
    }
  });
  if (problems.length > 0) return { ok: false, editProblems: problems, brokenRules: [] };
  if (items.length === 0) return { ok: false, editProblems: [], brokenRules: [{ rule: "empty", message: "A course needs sessions." }] };

  const spec = title ? { ...curriculum.spec, title } : curriculum.spec;
  let assembled: ReturnType<typeof assemble>;
  try {
    // A designer's reordering may not pack into the days asked for: lay it out on more days and let the audit say so.
    assembled = assemble(items, spec, catalog, { extraDaysAllowed: 3 });
  } catch (error) {
    if (error instanceof ScheduleError) return { ok: false, editProblems: [], brokenRules: [{ rule: "days", message: error.message }] };
    if (!(error instanceof CalendarOverflowError)) throw error;
    return { ok: false, editProblems: [], brokenRules: [{ rule: "calendar", message: `The course would run past ${LAST_CALENDAR_DATE}, the end of the calendar.` }] };
  }
  // Refused: a required rule of the audit that held before the edits and does not after (a rule a course already
  // broke, say one made before the rule existed, does not block every later edit).
  const before = new Set(unmetRequired(auditCurriculum(curriculum, catalog)).map((e) => e.rule));
  const broken = unmetRequired(assembled.audit ?? []).filter((e) => !before.has(e.rule));
  if (broken.length > 0) return { ok: false, editProblems: [], brokenRules: broken.map((e) => ({ rule: e.rule, message: `${e.label}: ${e.detail}` })) };
  return { ok: true, curriculum: { ...curriculum, ...assembled, updatedAt: now.toISOString() } };
}
