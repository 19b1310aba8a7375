import type {
  CourseRules,
  CatalogIds,
  Domain,
  Framework,
  GeneralCompetency,
  KitContent,
  Programme,
  QuizItem,
  Scenario,
  Sector,
  SessionTemplate,
  Source,
  SpecificCompetency,
  Tier,
} from "../domain/index.js";

/** A specific competency with the domain and general competency it belongs to. */
export interface CompetencyEntry extends SpecificCompetency {
  domainId: string;
  domainNumber: number;
  generalId: string;
  /** Sectors whose module emphasises this competency (derived from the sector files). */
  emphasisedIn: readonly string[];
}

/**
 * Everything loaded from content/, validated and cross-checked, with indexes for the planner, the routes and the
 * renderers. Read-only: it is built once at start-up and shared by every request.
 */
export interface Catalog {
  readonly framework: Framework;
  /** The programme around the sessions: audience, selection, rules, assessment, certification, preparation. */
  readonly programme: Programme;
  /** Selection, assessment, supervision and evaluation material for the programme kit. */
  readonly kit: KitContent;
  /** What a course must contain and how it runs: the arc, mandatory content, order, practice, the day's shape. */
  readonly rules: CourseRules;
  /** Knowledge-quiz items, each tied to a specific competency. */
  readonly quiz: readonly QuizItem[];
  readonly sources: readonly Source[];
  readonly tiers: readonly Tier[];
  readonly sectors: readonly Sector[];
  readonly sessions: readonly SessionTemplate[];
  readonly scenarios: readonly Scenario[];
  /** Every specific competency, in framework order. */
  readonly competencies: readonly CompetencyEntry[];
  readonly ids: CatalogIds;
  competency(id: string): CompetencyEntry | undefined;
  domain(id: string): Domain | undefined;
  general(id: string): GeneralCompetency | undefined;
  tier(id: string): Tier | undefined;
  sector(id: string): Sector | undefined;
  session(id: string): SessionTemplate | undefined;
  scenario(id: string): Scenario | undefined;
  source(id: string): Source | undefined;
}

export interface CatalogParts {
  framework: Framework;
  programme: Programme;
  kit: KitContent;
  rules: CourseRules;
  quiz: QuizItem[];
  sources: Source[];
  tiers: Tier[];
  sectors: Sector[];
  sessions: SessionTemplate[];
  scenarios: Scenario[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function indexBy<T extends { id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

/** Builds the indexes over parts whose references have already been checked. */
export function buildCatalog(parts: CatalogParts): Catalog {
  const tiers = [...parts.tiers].sort((a, b) => a.level - b.level);
  const emphasis = new Map<string, string[]>();
  for (const sector of parts.sectors) {
    for (const { competency } of sector.emphasis) emphasis.set(competency, [...(emphasis.get(competency) ?? []), sector.id]);
  }
  const competencies: CompetencyEntry[] = parts.framework.domains.flatMap((domain) =>
    domain.general.flatMap((general) =>
      general.specific.map((specific) => ({
        ...specific,
        domainId: domain.id,
        domainNumber: domain.number,
        generalId: general.id,
        emphasisedIn: emphasis.get(specific.id) ?? [],
      })),
    ),
  );
  const byCompetency = indexBy(competencies);
  const byDomain = indexBy(parts.framework.domains);
  const byGeneral = indexBy(parts.framework.domains.flatMap((d) => d.general));
  const byTier = indexBy(tiers);
  const bySector = indexBy(parts.sectors);
  const bySession = indexBy(parts.sessions);
  const byScenario = indexBy(parts.scenarios);
  const bySource = indexBy(parts.sources);

  const catalog: Catalog = {
    framework: parts.framework,
    programme: parts.programme,
    kit: parts.kit,
    rules: parts.rules,
    quiz: parts.quiz,
    sources: parts.sources,
    tiers,
    sectors: parts.sectors,
    sessions: parts.sessions,
    scenarios: parts.scenarios,
    competencies,
    ids: {
      sectors: parts.sectors.map((s) => s.id),
      tiers: tiers.map((t) => t.id),
      domains: parts.framework.domains.map((d) => d.id),
      alwaysIncludedTiers: tiers.filter((t) => t.alwaysIncluded).map((t) => t.id),
    },
    competency: (id) => byCompetency.get(id),
    domain: (id) => byDomain.get(id),
    general: (id) => byGeneral.get(id),
    tier: (id) => byTier.get(id),
    sector: (id) => bySector.get(id),
    session: (id) => bySession.get(id),
    scenario: (id) => byScenario.get(id),
    source: (id) => bySource.get(id),
  };
  return deepFreeze(catalog);
}
