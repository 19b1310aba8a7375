import type { Catalog } from "../content/index.js";
import {
  DIFFICULTY_RANK,
  isPractical,
  scenarioCompetencies,
  scenarioMinutes,
  type CourseSpec,
  type Scenario,
  type SessionPurpose,
  type SessionTemplate,
} from "../domain/index.js";
import { ceil5, type Pick } from "./pick.js";
import { PlanningError } from "./planning-error.js";
import type { Priorities } from "./weights.js";

/** Methods that can run again in a long course with new material (a new case, a new scenario). */
const REPEATABLE = new Set(["case-study", "discussion", "reflection", "role-play", "simulation", "supervised-practice"]);


/** The templates and scenarios a course may use: its sector's (or all-sector ones) at the levels it covers. */
export interface Pool {
  opening: SessionTemplate;
  closing: SessionTemplate;
  deroling: SessionTemplate;
  /** Input and other non-practical content sessions. */
  theory: SessionTemplate[];
  practical: SessionTemplate[];
  scenarios: Scenario[];
  /** Each scenario's competencies (objectives and checklist), computed once. */
  scenarioCompetencies: ReadonlyMap<string, readonly string[]>;
}

function servesCourse(t: SessionTemplate, spec: CourseSpec): boolean {
  return (t.sectors === "all" || t.sectors.includes(spec.sector)) && t.tiers.some((tier) => spec.tiers.includes(tier));
}

export function buildPool(spec: CourseSpec, catalog: Catalog): Pool {
  const eligible = catalog.sessions.filter((t) => servesCourse(t, spec));
  const structural = (purpose: SessionPurpose): SessionTemplate => {
    // A sector's own version wins over the all-sector one.
    const found = eligible.filter((t) => t.purpose === purpose).sort((a, b) => Number(a.sectors === "all") - Number(b.sectors === "all") || a.id.localeCompare(b.id));
    if (!found[0]) throw new PlanningError(`The content has no "${purpose}" session for the ${spec.sector} sector at the chosen levels.`);
    return found[0];
  };
  const content = eligible.filter((t) => t.purpose === "content");
  const scenarios = catalog.scenarios
    .filter((s) => s.sector === spec.sector && s.tiers.some((tier) => spec.tiers.includes(tier)))
    .sort((a, b) => DIFFICULTY_RANK[a.difficulty] - DIFFICULTY_RANK[b.difficulty] || a.id.localeCompare(b.id));
  return {
    opening: structural("opening"),
    closing: structural("closing"),
    deroling: structural("deroling"),
    theory: content.filter((t) => !isPractical(t.method)),
    practical: content.filter((t) => isPractical(t.method)),
    scenarios,
    scenarioCompetencies: new Map(
      scenarios.map((s) => [s.id, scenarioCompetencies(s)]),
    ),
  };
}

/**
 * The picks of a course as they are chosen, with what they cover so far. Cloned between attempts at different
 * practical budgets, so a failed attempt leaves nothing behind.
 */
export class Selection {
  picks: Pick[] = [];
  introduced = new Set<string>();
  tiers = new Set<string>();
  private counts = new Map<string, number>();
  private scenarioUses = new Map<string, number>();
  /** Running sums of minutes by side, kept as picks are added (the fill loops read them constantly). */
  private sums = { practical: { min: 0, preferred: 0, max: 0 }, theory: { min: 0, preferred: 0, max: 0 } };
  private heavy = 0;
  /** Competencies named by the practical picks, and those of them the course introduces: kept as picks are added. */
  private named = new Set<string>();
  private practisedSet = new Set<string>();

  constructor(
    private readonly spec: CourseSpec,
    private readonly pool: Pool,
    private readonly priorities: Priorities,
  ) {}

  clone(): Selection {
    const copy = new Selection(this.spec, this.pool, this.priorities);
    copy.picks = [...this.picks];
    copy.introduced = new Set(this.introduced);
    copy.tiers = new Set(this.tiers);
    copy.counts = new Map(this.counts);
    copy.scenarioUses = new Map(this.scenarioUses);
    copy.sums = { practical: { ...this.sums.practical }, theory: { ...this.sums.theory } };
    copy.heavy = this.heavy;
    copy.named = new Set(this.named);
    copy.practisedSet = new Set(this.practisedSet);
    return copy;
  }

  uses(templateId: string): number {
    return this.counts.get(templateId) ?? 0;
  }

  /** Competencies a practical template would practise: only those the course introduces (input before practice). */
  practisable(t: SessionTemplate): string[] {
    return t.practises.filter((c) => this.introduced.has(c));
  }

  practised(): ReadonlySet<string> {
    return this.practisedSet;
  }

  minutes(side: "practical" | "theory", bound: "min" | "preferred" | "max"): number {
    return this.sums[side][bound];
  }

  heavyCount(): number {
    return this.heavy;
  }

  /** Preferred minutes a template would add with the prerequisites the course does not have yet. */
  costWithPrerequisites(t: SessionTemplate, all: ReadonlyMap<string, SessionTemplate>, seen = new Set<string>()): number {
    let cost = this.candidate(t)?.preferred ?? Infinity;
    for (const pre of t.prerequisites) {
      const template = all.get(pre);
      if (!template || this.uses(pre) > 0 || seen.has(pre)) continue;
      seen.add(pre);
      cost += this.costWithPrerequisites(template, all, seen);
    }
    return cost;
  }

  /** The scenario a new role-play or simulation of this template would use, or undefined if none fits. */
  scenarioFor(t: SessionTemplate): Scenario | undefined {
    if (!t.scenario) return undefined;
    const method = t.scenario.method;
    const overlap = (s: Scenario) => this.pool.scenarioCompetencies.get(s.id)!.filter((c) => t.practises.includes(c)).length;
    let best: Scenario | undefined;
    let bestKey: number[] = [];
    for (const s of this.pool.scenarios) {
      if (s.method !== method || ceil5(scenarioMinutes(s)) > t.minutes.max) continue;
      // Fewest uses first (no scenario twice while unused ones fit), then the closest match, then easier first.
      const key = [this.scenarioUses.get(s.id) ?? 0, -overlap(s)];
      if (!best || key[0]! < bestKey[0]! || (key[0] === bestKey[0] && key[1]! < bestKey[1]!)) {
        best = s;
        bestKey = key;
      }
    }
    return best;
  }

  /** The pick a template would become next: its id, scenario and effective minutes range; undefined if it cannot run. */
  candidate(t: SessionTemplate): Pick | undefined {
    const n = this.uses(t.id);
    if (n > 0 && !REPEATABLE.has(t.method)) return undefined;
    const scenario = this.scenarioFor(t);
    if (t.scenario && !scenario) return undefined;
    const min = scenario ? Math.max(t.minutes.min, ceil5(scenarioMinutes(scenario))) : t.minutes.min;
    const preferred = Math.min(t.minutes.max, Math.max(min, t.minutes.default));
    return { id: n === 0 ? t.id : `${t.id}-${n + 1}`, template: t, scenarioId: scenario?.id, min, preferred, max: t.minutes.max };
  }

  add(pick: Pick): void {
    this.picks.push(pick);
    this.counts.set(pick.template.id, this.uses(pick.template.id) + 1);
    if (pick.scenarioId) this.scenarioUses.set(pick.scenarioId, (this.scenarioUses.get(pick.scenarioId) ?? 0) + 1);
    for (const c of pick.template.introduces) {
      this.introduced.add(c);
      if (this.named.has(c)) this.practisedSet.add(c);
    }
    if (isPractical(pick.template.method)) {
      for (const c of pick.template.practises) {
        this.named.add(c);
        if (this.introduced.has(c)) this.practisedSet.add(c);
      }
    }
    const side = isPractical(pick.template.method) ? this.sums.practical : this.sums.theory;
    side.min += pick.min;
    side.preferred += pick.preferred;
    side.max += pick.max;
    if (pick.template.heavy) this.heavy += 1;
    for (const tier of pick.template.tiers) if (this.spec.tiers.includes(tier)) this.tiers.add(tier);
  }

  /** Adds a template after its prerequisites (those the course can use and does not have yet). */
  addWithPrerequisites(t: SessionTemplate, all: ReadonlyMap<string, SessionTemplate>): boolean {
    for (const pre of t.prerequisites) {
      const template = all.get(pre);
      if (template && this.uses(pre) === 0 && !this.addWithPrerequisites(template, all)) return false;
    }
    const pick = this.candidate(t);
    if (!pick) return false;
    this.add(pick);
    return true;
  }

  /** What adding a template would newly cover, weighted. */
  gain(t: SessionTemplate, only?: ReadonlySet<string>): number {
    const counts = (c: string) => !only || only.has(c);
    let total = 0;
    if (isPractical(t.method)) {
      const practised = this.practised();
      for (const c of t.practises) if (this.introduced.has(c) && !practised.has(c) && counts(c)) total += this.priorities.weight(c);
      return total;
    }
    for (const c of t.introduces) if (!this.introduced.has(c) && counts(c)) total += this.priorities.weight(c);
    const tiers = t.tiers.filter((tier) => this.spec.tiers.includes(tier) && !this.tiers.has(tier)).length;
    return total + tiers * 2;
  }
}

/** Picks the template with the best gain per minute among `templates` (ties: fewer uses, then id). */
export function bestByGain(
  selection: Selection,
  templates: readonly SessionTemplate[],
  fits: (pick: Pick) => boolean,
  only?: ReadonlySet<string>,
): Pick | undefined {
  let best: Pick | undefined;
  let bestScore = 0;
  for (const t of templates) {
    const gain = selection.gain(t, only);
    // A pick never takes less than its template's minimum, so this bound skips hopeless candidates cheaply.
    if (gain <= 0 || gain / t.minutes.min <= bestScore + 1e-9) continue;
    const pick = selection.candidate(t);
    if (!pick || !fits(pick)) continue;
    const score = gain / pick.min;
    if (score > bestScore + 1e-9) {
      best = pick;
      bestScore = score;
    }
  }
  return best;
}
