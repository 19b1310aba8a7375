import type { CourseRules, Framework, KitContent, Programme, QuizItem, Scenario, Sector, SessionTemplate, Source, Tier } from "../domain/index.js";
import type { ContentProblem } from "./content-error.js";
import type { Parsed } from "./read-json.js";

export interface ParsedContent {
  sources: Parsed<{ sources: Source[] }>;
  framework: Parsed<Framework>;
  programme: Parsed<Programme>;
  kit: Parsed<KitContent>;
  rules: Parsed<CourseRules>;
  quiz: Parsed<{ items: QuizItem[] }>[];
  tiers: Parsed<{ tiers: Tier[] }>;
  sectors: Parsed<Sector>[];
  sessions: Parsed<SessionTemplate>[];
  scenarios: Parsed<Scenario>[];
}

/** Reports each id that appears more than once among `items`, at the path of its second (and later) use. */
function checkUnique(items: { id: string; file: string; path: string }[], what: string, problems: ContentProblem[]): void {
  const seen = new Map<string, string>();
  for (const item of items) {
    const first = seen.get(item.id);
    if (first) problems.push({ file: item.file, path: item.path, message: `duplicate ${what} id "${item.id}" (first used in ${first})` });
    else seen.set(item.id, `${item.file} ${item.path}`.trim());
  }
}

/**
 * Checks that every id named anywhere in the content exists, and that ids are unique. Pure: it only reads the
 * parsed files and returns the problems, each with the file and JSON path of the dangling reference.
 */
export function checkReferences(content: ParsedContent): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const { framework, tiers, sources, sectors, sessions, scenarios } = content;

  const sourceIds = new Set(sources.value.sources.map((s) => s.id));
  const tierIds = new Set(tiers.value.tiers.map((t) => t.id));
  const sectorIds = new Set(sectors.map((s) => s.value.id));
  const sessionIds = new Set(sessions.map((s) => s.value.id));
  const reviewIds = new Set(framework.value.crossReferences.review.map((r) => r.id));
  const rescueCodes = new Set(framework.value.crossReferences.rescue.map((r) => r.code));
  const competencyIds = new Set(framework.value.domains.flatMap((d) => d.general.flatMap((g) => g.specific.map((s) => s.id))));

  const ref = (file: string, path: string, id: string, known: Set<string>, what: string) => {
    if (!known.has(id)) problems.push({ file, path, message: `names no ${what}: "${id}"` });
  };
  const refSources = (file: string, path: string, ids: readonly string[]) =>
    ids.forEach((id, i) => ref(file, `${path}[${i}]`, id, sourceIds, "source in sources.json"));
  const refTiers = (file: string, path: string, ids: readonly string[]) =>
    ids.forEach((id, i) => ref(file, `${path}[${i}]`, id, tierIds, "ERNST level in tiers.json"));
  const refCompetencies = (file: string, path: string, ids: readonly string[]) =>
    ids.forEach((id, i) => ref(file, `${path}[${i}]`, id, competencyIds, "specific competency in the framework"));

  // Uniqueness: within each kind of thing, and per level of the framework.
  checkUnique(sources.value.sources.map((s, i) => ({ id: s.id, file: sources.file, path: `sources[${i}].id` })), "source", problems);
  checkUnique(tiers.value.tiers.map((t, i) => ({ id: t.id, file: tiers.file, path: `tiers[${i}].id` })), "ERNST level", problems);
  const levels = new Set(tiers.value.tiers.map((t) => t.level));
  if (levels.size !== tiers.value.tiers.length) problems.push({ file: tiers.file, path: "tiers", message: "each ERNST level number must appear once" });
  const fw = framework.value;
  checkUnique(fw.domains.map((d, i) => ({ id: d.id, file: framework.file, path: `domains[${i}].id` })), "domain", problems);
  checkUnique(
    fw.domains.flatMap((d, i) => d.general.map((g, j) => ({ id: g.id, file: framework.file, path: `domains[${i}].general[${j}].id` }))),
    "general competency",
    problems,
  );
  checkUnique(
    fw.domains.flatMap((d, i) =>
      d.general.flatMap((g, j) => g.specific.map((s, k) => ({ id: s.id, file: framework.file, path: `domains[${i}].general[${j}].specific[${k}].id` }))),
    ),
    "specific competency",
    problems,
  );
  checkUnique(sectors.map((s) => ({ id: s.value.id, file: s.file, path: "id" })), "sector", problems);
  checkUnique(sessions.map((s) => ({ id: s.value.id, file: s.file, path: "id" })), "session template", problems);
  checkUnique(scenarios.map((s) => ({ id: s.value.id, file: s.file, path: "id" })), "scenario", problems);

  // The framework's own references.
  refSources(framework.file, "sources", fw.sources);
  fw.domains.forEach((d, i) => {
    refSources(framework.file, `domains[${i}].sources`, d.sources);
    d.general.forEach((g, j) =>
      g.specific.forEach((s, k) => {
        const at = `domains[${i}].general[${j}].specific[${k}]`;
        refTiers(framework.file, `${at}.tiers`, s.tiers);
        refSources(framework.file, `${at}.sources`, s.sources);
        s.crossReferences.review.forEach((id, n) => ref(framework.file, `${at}.crossReferences.review[${n}]`, id, reviewIds, "entry of crossReferences.review"));
        s.crossReferences.rescue.forEach((id, n) => ref(framework.file, `${at}.crossReferences.rescue[${n}]`, id, rescueCodes, "entry of crossReferences.rescue"));
      }),
    );
  });

  tiers.value.tiers.forEach((t, i) => refSources(tiers.file, `tiers[${i}].sources`, t.sources));
  const { programme } = content;
  refSources(programme.file, "sources", programme.value.sources);
  programme.value.selectionCriteria.forEach((c, i) => refSources(programme.file, `selectionCriteria[${i}].sources`, c.sources));
  checkUnique(programme.value.selectionCriteria.map((c, i) => ({ id: c.id, file: programme.file, path: `selectionCriteria[${i}].id` })), "selection criterion", problems);

  for (const { file, value: sector } of sectors) {
    refSources(file, "sources", sector.sources);
    sector.referralRoutes.forEach((r, i) => ref(file, `referralRoutes[${i}].tier`, r.tier, tierIds, "ERNST level in tiers.json"));
    sector.emphasis.forEach((e, i) => ref(file, `emphasis[${i}].competency`, e.competency, competencyIds, "specific competency in the framework"));
  }

  const { rules } = content;
  const phaseIds = new Set(rules.value.phases.map((p) => p.id));
  const topicIds = new Set(rules.value.topics.map((t) => t.id));
  const refTopics = (file: string, path: string, ids: readonly string[]) =>
    ids.forEach((id, i) => ref(file, `${path}[${i}]`, id, topicIds, "topic in course-rules.json"));
  for (const [list, items] of [["mandatory", rules.value.mandatory], ["order", rules.value.order]] as const) {
    items.forEach((item, i) => refSources(rules.file, `${list}[${i}].sources`, item.sources));
  }
  for (const part of ["core", "practice", "schedule", "assessment"] as const) refSources(rules.file, `${part}.sources`, rules.value[part].sources);
  rules.value.mandatory.forEach((m, i) => {
    if (m.sectors !== "all") m.sectors.forEach((id, j) => ref(rules.file, `mandatory[${i}].sectors[${j}]`, id, sectorIds, "sector in sectors/"));
  });
  ref(rules.file, "assessment.stationTemplate", rules.value.assessment.stationTemplate, sessionIds, "session template in sessions/");

  for (const { file, value: session } of sessions) {
    refSources(file, "sources", session.sources);
    ref(file, "phase", session.phase, phaseIds, "phase in course-rules.json");
    refTopics(file, "topics", session.topics);
    if (session.scenario) refTopics(file, "scenario.requires", session.scenario.requires);
    refTiers(file, "tiers", session.tiers);
    refCompetencies(file, "introduces", session.introduces);
    refCompetencies(file, "practises", session.practises);
    if (session.sectors !== "all") session.sectors.forEach((id, i) => ref(file, `sectors[${i}]`, id, sectorIds, "sector in sectors/"));
    session.prerequisites.forEach((id, i) => ref(file, `prerequisites[${i}]`, id, sessionIds, "session template in sessions/"));
  }

  for (const { file, value: scenario } of scenarios) {
    refSources(file, "sources", scenario.sources);
    refTiers(file, "tiers", scenario.tiers);
    ref(file, "sector", scenario.sector, sectorIds, "sector in sectors/");
    refTopics(file, "topics", scenario.topics);
    scenario.objectives.forEach((o, i) => refCompetencies(file, `objectives[${i}].competencies`, o.competencies));
    scenario.checklist.forEach((c, i) => ref(file, `checklist[${i}].competency`, c.competency, competencyIds, "specific competency in the framework"));
  }
  const { kit } = content;
  const criteria = new Set(programme.value.selectionCriteria.map((c) => c.id));
  refSources(kit.file, "sources", kit.value.sources);
  kit.value.screening.questions.forEach((q, i) => ref(kit.file, `screening.questions[${i}].criterion`, q.criterion, criteria, "selection criterion in programme.json"));
  kit.value.interview.questions.forEach((q, i) => refCompetencies(kit.file, `interview.questions[${i}].competencies`, q.competencies));
  kit.value.evaluation.levels.forEach((l, i) => l.instruments.forEach((inst, j) => refSources(kit.file, `evaluation.levels[${i}].instruments[${j}].sources`, inst.sources)));
  const levelNumbers = kit.value.evaluation.levels.map((l) => l.level).sort().join(",");
  if (levelNumbers !== "1,2,3,4") problems.push({ file: kit.file, path: "evaluation.levels", message: "must hold Kirkpatrick levels 1, 2, 3 and 4 once each" });

  checkUnique(content.quiz.flatMap((f) => f.value.items.map((item, i) => ({ id: item.id, file: f.file, path: `items[${i}].id` }))), "quiz item", problems);
  for (const { file, value } of content.quiz) {
    value.items.forEach((item, i) => {
      ref(file, `items[${i}].competency`, item.competency, competencyIds, "specific competency in the framework");
      refSources(file, `items[${i}].sources`, item.sources);
    });
  }
  return problems;
}
