import { randomUUID } from "node:crypto";
import type { Catalog } from "../content/index.js";
import type { CourseSpec, Curriculum } from "../domain/index.js";
import { plan } from "../planner/index.js";
import type { CurriculumRepository } from "../store/index.js";

export interface CurriculaDeps {
  catalog: Catalog;
  store: CurriculumRepository;
  now: () => Date;
  /** Makes ids for new curricula; random UUIDs unless a test passes its own. */
  newId?: () => string;
}

/** A designer's course request becomes a stored, scheduled curriculum. Throws PlanningError when it cannot be planned. */
export async function createCurriculum(spec: CourseSpec, deps: CurriculaDeps): Promise<Curriculum> {
  const curriculum = plan(spec, deps.catalog, { id: (deps.newId ?? randomUUID)(), now: deps.now() });
  await deps.store.create(curriculum);
  return curriculum;
}
