import { randomUUID } from "node:crypto";
import type { Catalog } from "../content/index.js";
import { fitTitle, type CourseSpec, type Curriculum, type CurriculumEdit } from "../domain/index.js";
import { auditCurriculum, plan, revise, type BrokenRule, type EditProblem } from "../planner/index.js";
import { StaleVersionError, type CurriculumRepository } from "../store/index.js";

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

export type EditOutcome =
  | { kind: "saved"; curriculum: Curriculum }
  | { kind: "not-found" }
  | { kind: "rejected"; editProblems: EditProblem[]; brokenRules: BrokenRule[] };

/**
 * Applies a designer's edits: re-times and re-checks the course through `revise`, and saves only a curriculum
 * that keeps every rule. The version guards against overwriting someone else's save (StaleVersionError).
 */
export async function editCurriculum(id: string, edit: CurriculumEdit, deps: CurriculaDeps): Promise<EditOutcome> {
  const stored = await deps.store.get(id);
  if (!stored) return { kind: "not-found" };
  if (stored.version !== edit.version) throw new StaleVersionError(id, edit.version, stored.version);
  const result = revise(stored, edit.edits, deps.catalog, deps.now(), edit.title);
  if (!result.ok) return { kind: "rejected", editProblems: result.editProblems, brokenRules: result.brokenRules };
  const saved = await deps.store.update(result.curriculum, edit.version);
  return saved ? { kind: "saved", curriculum: saved } : { kind: "not-found" };
}

/** A copy to adapt for another group: a new id, version 1, "Copy of" the title. */
export async function cloneCurriculum(id: string, deps: CurriculaDeps): Promise<Curriculum | undefined> {
  const source = await deps.store.get(id);
  if (!source) return undefined;
  const title = fitTitle(`Copy of ${source.title}`);
  const stamp = deps.now().toISOString();
  const copy: Curriculum = { ...source, id: (deps.newId ?? randomUUID)(), version: 1, createdAt: stamp, updatedAt: stamp, title, spec: { ...source.spec, title } };
  await deps.store.create(copy);
  return copy;
}

/**
 * A curriculum as the API answers it: with its audit taken afresh against the content's current rules (a course
 * saved before a rule changed, or before audits existed, shows how it stands today).
 */
export function presentCurriculum(c: Curriculum, catalog: Catalog): Curriculum {
  return { ...c, audit: auditCurriculum(c, catalog) };
}
