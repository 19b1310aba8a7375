import type { Catalog } from "../content/index.js";
import type { CourseSpec } from "../domain/index.js";

/** How much covering each competency is worth when choosing sessions: the sector's emphasis and the designer's focus weigh more. */
export interface Priorities {
  weight(competency: string): number;
  emphasised: ReadonlySet<string>;
  core: readonly string[];
}

export function priorities(spec: CourseSpec, catalog: Catalog): Priorities {
  const emphasised = new Set(catalog.sector(spec.sector)?.emphasis.map((e) => e.competency) ?? []);
  const focus = new Set(spec.focusDomains);
  const core = catalog.competencies.filter((c) => c.core).map((c) => c.id);
  // Computed once per plan: the choosing loops ask for weights thousands of times.
  const weights = new Map(
    catalog.competencies.map((c) => [c.id, 1 + (c.core ? 4 : 0) + (emphasised.has(c.id) ? 3 : 0) + (focus.has(c.domainId) ? 2 : 0)]),
  );
  return { emphasised, core, weight: (id) => weights.get(id) ?? 0 };
}
