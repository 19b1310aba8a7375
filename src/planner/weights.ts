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
  return {
    emphasised,
    core,
    weight(id) {
      const c = catalog.competency(id);
      if (!c) return 0;
      return 1 + (c.core ? 4 : 0) + (emphasised.has(id) ? 3 : 0) + (focus.has(c.domainId) ? 2 : 0);
    },
  };
}
