import { isPractical, scenarioCompetencies, scenarioMinutes, type Scenario, type SessionTemplate, type TopicUse } from "../domain/index.js";
import { ceil5 } from "./pick.js";

/**
 * The course rules speak of topics ("a PFA model taught", "suicide risk practised"). This is the one place that says
 * what a session covers and which scenario fits which session; the planner plans with it and the audit checks with it.
 */

/**
 * The competencies each scenario practises, as a set, computed once per scenario: the planner asks whether a
 * scenario fits a session many thousand times per course. Content is loaded once and never changes, so a cache
 * keyed by the scenario object stays right.
 */
const practisedByScenario = new WeakMap<Scenario, ReadonlySet<string>>();
function practisedBy(scenario: Scenario): ReadonlySet<string> {
  let set = practisedByScenario.get(scenario);
  if (!set) {
    set = new Set(scenarioCompetencies(scenario));
    practisedByScenario.set(scenario, set);
  }
  return set;
}

/** Whether a session of `template`, run with `scenario`, covers `topic` in the way `as` asks. */
export function coversTopic(template: SessionTemplate, scenario: Scenario | undefined, topic: string, as: TopicUse): boolean {
  const practical = isPractical(template.method);
  if (as === "taught" && practical) return false;
  if (as === "practised" && !practical) return false;
  return template.topics.includes(topic) || (practical && scenario !== undefined && scenario.topics.includes(topic));
}

/** Whether a trainer or actor, never a fellow participant, plays the colleague being supported. */
export function trainerPlaysColleague(scenario: Scenario | undefined): boolean {
  return scenario?.roles.some((r) => r.kind === "supported" && r.playedBy !== "participant") ?? false;
}

/** How many roles of a scenario need a trainer and how many an actor. */
export function nonParticipantRoles(scenario: Scenario): { trainer: number; actor: number } {
  return {
    trainer: scenario.roles.filter((r) => r.playedBy === "trainer").length,
    actor: scenario.roles.filter((r) => r.playedBy === "actor").length,
  };
}

/**
 * Whether a scenario fits a role-play or simulation session: the same method; long enough for its brief, play and
 * debrief within the session's longest length; at the course's levels; holding the kinds of content the session
 * needs (a suicidal disclosure, three stations) with the colleague played by a trainer where the session says so;
 * and practising at least half of what the session practises, so the scenario serves the session's purpose.
 */
export function scenarioFits(template: SessionTemplate, scenario: Scenario, courseTiers: readonly string[]): boolean {
  const key = `${scenario.id}|${courseTiers.join(",")}`;
  let known = fitsByTemplate.get(template);
  if (!known) fitsByTemplate.set(template, (known = new Map()));
  let fits = known.get(key);
  if (fits === undefined) known.set(key, (fits = fitsNow(template, scenario, courseTiers)));
  return fits;
}

/** Answers of scenarioFits, per template and (scenario, course levels): pure, over content that never changes. */
const fitsByTemplate = new WeakMap<SessionTemplate, Map<string, boolean>>();

function fitsNow(template: SessionTemplate, scenario: Scenario, courseTiers: readonly string[]): boolean {
  const wanted = template.scenario;
  if (!wanted || scenario.method !== wanted.method) return false;
  if (ceil5(scenarioMinutes(scenario)) > template.minutes.max) return false;
  if (!scenario.tiers.some((t) => courseTiers.includes(t))) return false;
  if (!wanted.requires.every((topic) => scenario.topics.includes(topic))) return false;
  if (wanted.trainerPlays && !trainerPlaysColleague(scenario)) return false;
  const practised = practisedBy(scenario);
  const shared = template.practises.filter((c) => practised.has(c)).length;
  return shared * 2 >= template.practises.length;
}

/** The competencies a practical session is credited with: what it practises, and for a scenario session only what its scenario practises too. */
export function creditedPractice(template: SessionTemplate, scenario: Scenario | undefined): readonly string[] {
  if (!template.scenario) return template.practises;
  if (!scenario) return [];
  let known = creditsByTemplate.get(template);
  if (!known) creditsByTemplate.set(template, (known = new Map()));
  let credits = known.get(scenario.id);
  if (!credits) {
    const practised = practisedBy(scenario);
    known.set(scenario.id, (credits = template.practises.filter((c) => practised.has(c))));
  }
  return credits;
}
const creditsByTemplate = new WeakMap<SessionTemplate, Map<string, readonly string[]>>();
