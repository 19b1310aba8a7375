import { randomUUID } from "node:crypto";
import type { Catalog } from "../../src/content/index.js";
import { courseSpecSchemaFor, type Curriculum } from "../../src/domain/index.js";
import { plan } from "../../src/planner/index.js";

/** A real planned curriculum with a fresh id, for store tests. */
export function sampleCurriculum(catalog: Catalog, overrides: { title?: string; id?: string } = {}): Curriculum {
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: overrides.title ?? "Store test", sector: "postal", totalHours: 8, startDate: "2027-01-04" });
  return plan(spec, catalog, { id: overrides.id ?? randomUUID(), now: new Date("2026-11-26T10:00:00Z") });
}
