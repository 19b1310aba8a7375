import type { Catalog } from "../content/index.js";
import { DIFFICULTY_RANK, scenarioCompetencies, type Curriculum, type KitContent, type Programme, type QuizItem, type Scenario } from "../domain/index.js";

/** How many quiz items a course's knowledge quiz holds at most; core competencies get two each, others one. */
export const QUIZ_MAX_ITEMS = 40;

export interface ChecklistItem {
  competency: string;
  competencyName: string;
  behaviour: string;
  /** Where the behaviour comes from: the scenario's checklist or the competency's observable behaviours. */
  from: "scenario" | "framework";
}

export interface RubricRow {
  competency: string;
  name: string;
  core: boolean;
  behaviours: string[];
}

/** Everything a programme needs around the sessions, tied to the curriculum's competencies. */
export interface Kit {
  curriculumId: string;
  version: number;
  selection: { criteria: Programme["selectionCriteria"]; screening: KitContent["screening"]; interview: KitContent["interview"] };
  checklists: { sessionId: string; title: string; scenarioId?: string; items: ChecklistItem[] }[];
  quiz: { items: (QuizItem & { competencyName: string })[] };
  practicalAssessment: {
    scenarioId: string;
    scenarioTitle: string;
    intro: string;
    minutes: KitContent["practicalAssessment"]["minutes"];
    scale: KitContent["practicalAssessment"]["scale"];
    rubric: RubricRow[];
    passRule: KitContent["practicalAssessment"]["passRule"];
    /** When the course schedules the station (certifying courses): its session and time, and the assessors it needs. */
    scheduled?: { sessionId: string; date: string; start: string; end: string; assessors: number };
  };
  certification: { requirements: string[]; rescue: { code: string; name: string; competencies: string[] }[] };
  supervision: KitContent["supervision"];
  evaluation: KitContent["evaluation"];
}

/** Observer checklists for every practical session: the scenario's behaviours, then those of the competencies practised. */
function checklists(c: Curriculum, catalog: Catalog): Kit["checklists"] {
  const name = (id: string) => catalog.competency(id)?.name ?? id;
  return c.sessions
    .filter((s) => s.practical)
    .map((s) => {
      const scenario = s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined;
      const items: ChecklistItem[] = (scenario?.checklist ?? []).map((i) => ({ competency: i.competency, competencyName: name(i.competency), behaviour: i.behaviour, from: "scenario" }));
      const seen = new Set(items.map((i) => i.behaviour));
      for (const id of s.practises) {
        for (const behaviour of catalog.competency(id)?.behaviours ?? []) {
          if (!seen.has(behaviour)) items.push({ competency: id, competencyName: name(id), behaviour, from: "framework" });
          seen.add(behaviour);
        }
      }
      return { sessionId: s.id, title: s.title, scenarioId: scenario?.id, items };
    });
}

/**
 * The quiz: items for the competencies the course covers: two per core competency, then one per other competency
 * taken from each domain the course teaches in turn, so that no domain it teaches goes unasked when the quiz is full.
 */
function quiz(c: Curriculum, catalog: Catalog): Kit["quiz"] {
  const covered = c.coverage.covered.map((x) => catalog.competency(x.competency)!).filter(Boolean);
  const byDomain = catalog.framework.domains.map((d) => covered.filter((x) => !x.core && x.domainId === d.id));
  const others: typeof covered = [];
  for (let i = 0; byDomain.some((list) => i < list.length); i++) for (const list of byDomain) if (list[i]) others.push(list[i]!);
  const items: Kit["quiz"]["items"] = [];
  for (const competency of [...covered.filter((x) => x.core), ...others]) {
    const pool = catalog.quiz.filter((q) => q.competency === competency.id);
    for (const item of pool.slice(0, competency.core ? catalog.rules.assessment.coreQuizItems : 1)) {
      if (items.length < QUIZ_MAX_ITEMS) items.push({ ...item, competencyName: competency.name });
    }
  }
  return { items };
}

/** How many assessors observe the final station (two, so that a pass does not rest on one person's view). */
const STATION_ASSESSORS = 2;

/**
 * The final station: the scenario the course schedules for it, or else a scenario of the course's sector at the
 * peer-support level that the course did not use (so the candidate meets it fresh), the hardest available. Its
 * rubric scores only competencies the course practised.
 */
function practicalAssessment(c: Curriculum, catalog: Catalog): Kit["practicalAssessment"] {
  const stationSession = c.sessions.find((s) => catalog.session(s.templateId)?.purpose === "station" && s.scenarioIds[0]);
  const used = new Set(c.sessions.filter((s) => s !== stationSession).flatMap((s) => s.scenarioIds));
  const candidates = catalog.scenarios.filter((s) => s.sector === c.spec.sector && s.tiers.includes("peer-support"));
  const rank = (s: Scenario) => [used.has(s.id) ? 1 : 0, -DIFFICULTY_RANK[s.difficulty], s.method === "role-play" ? 0 : 1];
  const scheduled = stationSession && catalog.scenario(stationSession.scenarioIds[0]!);
  const station =
    scheduled ??
    [...(candidates.length > 0 ? candidates : catalog.scenarios.filter((s) => s.sector === c.spec.sector))].sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || a.id.localeCompare(b.id);
    })[0]!;
  const practised = new Set(c.sessions.flatMap((s) => s.practises));
  const ids = scenarioCompetencies(station).filter((id) => practised.has(id));
  const rubric = ids.map((id) => {
    const competency = catalog.competency(id)!;
    const fromScenario = station.checklist.filter((i) => i.competency === id).map((i) => i.behaviour);
    return { competency: id, name: competency.name, core: competency.core, behaviours: fromScenario.length > 0 ? fromScenario : [...competency.behaviours] };
  });
  const content = catalog.kit.practicalAssessment;
  return {
    scenarioId: station.id,
    scenarioTitle: station.title,
    intro: content.intro,
    minutes: content.minutes,
    scale: content.scale,
    rubric,
    passRule: content.passRule,
    ...(stationSession && { scheduled: { sessionId: stationSession.id, date: stationSession.date, start: stationSession.start, end: stationSession.end, assessors: STATION_ASSESSORS } }),
  };
}

/** Certification: the programme's requirements, and the RESCUE codes this course's competencies serve. */
function certification(c: Curriculum, catalog: Catalog): Kit["certification"] {
  const covered = new Set(c.coverage.covered.map((x) => x.competency));
  const rescue = catalog.framework.crossReferences.rescue
    .map((r) => ({
      code: r.code,
      name: r.name,
      competencies: catalog.competencies.filter((x) => covered.has(x.id) && x.crossReferences.rescue.includes(r.code)).map((x) => x.name),
    }))
    .filter((r) => r.competencies.length > 0);
  return { requirements: [...catalog.programme.certification], rescue };
}

/** Builds the programme kit for a curriculum. Pure: the same curriculum and content give the same kit. */
export function buildKit(c: Curriculum, catalog: Catalog): Kit {
  return {
    curriculumId: c.id,
    version: c.version,
    selection: { criteria: catalog.programme.selectionCriteria, screening: catalog.kit.screening, interview: catalog.kit.interview },
    checklists: checklists(c, catalog),
    quiz: quiz(c, catalog),
    practicalAssessment: practicalAssessment(c, catalog),
    certification: certification(c, catalog),
    supervision: catalog.kit.supervision,
    evaluation: catalog.kit.evaluation,
  };
}
