import { randomUUID } from "node:crypto";
import type { Catalog } from "../content/index.js";
import { fitTitle, type CourseSpec, type Curriculum, type CurriculumEdit } from "../domain/index.js";
import { auditCurriculum, plan, revise, type BrokenRule, type EditProblem } from "../planner/index.js";
import { StaleVersionError, type CurriculumHead, type CurriculumRepository, type CurriculumSummary } from "../store/index.js";
import { actorCan, type Actor } from "../auth/actor.js";
import type { AuditLog } from "../auth/audit-log.js";
import type { Action } from "../auth/policy.js";

export interface CurriculaDeps {
  catalog: Catalog;
  store: CurriculumRepository;
  now: () => Date;
  /** Every change is recorded here. */
  audit: AuditLog;
  /** Makes ids for new curricula; random UUIDs unless a test passes its own. */
  newId?: () => string;
}

/** Someone signed in asked for something their role does not allow (the routes answer 403). */
export class NotAllowedError extends Error {
  constructor(
    readonly actor: Actor,
    readonly action: Action,
  ) {
    super(`${actor.user.email} may not ${action}`);
    this.name = "NotAllowedError";
  }
}

/** Throws NotAllowedError unless the actor may do this in their organisation. */
export function ensureAllowed(actor: Actor, action: Action): void {
  if (!actorCan(actor, action)) throw new NotAllowedError(actor, action);
}

/**
 * A curriculum as the actor may see it, for an action: undefined when it does not exist *or belongs to another
 * organisation* (the two are indistinguishable from outside: a 404, never a 403 that confirms it exists);
 * NotAllowedError when it is theirs but their role does not allow the action.
 */
export async function findCurriculum(actor: Actor, id: string, action: Action, deps: Pick<CurriculaDeps, "store">): Promise<Curriculum | undefined> {
  const curriculum = await deps.store.get(id);
  return visibleTo(actor, curriculum, action) ? curriculum : undefined;
}

/** The one access rule of both reads: another organisation's (or none) reads as absent; then the role must allow the action. */
function visibleTo(actor: Actor, record: { organisationId?: string } | undefined, action: Action): boolean {
  if (!record || !actor.organisation || record.organisationId !== actor.organisation.id) return false;
  ensureAllowed(actor, action);
  return true;
}

/**
 * A curriculum in reach, read in two steps: its head at once (enough to serve a document already built from this
 * version), the whole record only when it is needed. `whole` checks access again, on the record it reads.
 */
export interface CurriculumInReach {
  head: CurriculumHead;
  whole(): Promise<Curriculum | undefined>;
}

/** Like findCurriculum, under the same access rule, reading only the head until the whole curriculum is asked for. */
export async function reachCurriculum(actor: Actor, id: string, action: Action, deps: Pick<CurriculaDeps, "store">): Promise<CurriculumInReach | undefined> {
  const head = await deps.store.head(id);
  if (!visibleTo(actor, head, action)) return undefined;
  return { head: head!, whole: () => findCurriculum(actor, id, action, deps) };
}

/** The actor's organisation's curricula. */
export async function listCurricula(actor: Actor, deps: Pick<CurriculaDeps, "store">): Promise<CurriculumSummary[]> {
  ensureAllowed(actor, "curriculum.read");
  return deps.store.list({ organisationId: actor.organisation!.id });
}

const target = (c: Curriculum) => ({ kind: "curriculum", id: c.id, name: c.title });

/** A designer's course request becomes a stored, scheduled curriculum of their organisation. Throws PlanningError when it cannot be planned. */
export async function createCurriculum(actor: Actor, spec: CourseSpec, deps: CurriculaDeps): Promise<Curriculum> {
  ensureAllowed(actor, "curriculum.create");
  const planned = plan(spec, deps.catalog, { id: (deps.newId ?? randomUUID)(), now: deps.now() });
  const curriculum: Curriculum = { ...planned, organisationId: actor.organisation!.id };
  await deps.store.create(curriculum);
  await deps.audit.record(actor, "curriculum-created", { target: target(curriculum), detail: `${spec.sector}, ${spec.totalHours} h from ${spec.startDate}` });
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
export async function editCurriculum(actor: Actor, id: string, edit: CurriculumEdit, deps: CurriculaDeps): Promise<EditOutcome> {
  const stored = await findCurriculum(actor, id, "curriculum.update", deps);
  if (!stored) return { kind: "not-found" };
  if (stored.version !== edit.version) throw new StaleVersionError(id, edit.version, stored.version);
  const result = revise(stored, edit.edits, deps.catalog, deps.now(), edit.title);
  if (!result.ok) return { kind: "rejected", editProblems: result.editProblems, brokenRules: result.brokenRules };
  const saved = await deps.store.update(result.curriculum, edit.version);
  if (!saved) return { kind: "not-found" };
  const kinds = [...new Set(edit.edits.map((e) => e.op))];
  await deps.audit.record(actor, "curriculum-edited", { target: target(saved), detail: `Version ${saved.version}${kinds.length ? `: ${kinds.join(", ")}` : ""}${edit.title && edit.title !== stored.title ? `; title was "${stored.title}"` : ""}` });
  return { kind: "saved", curriculum: saved };
}

/** A copy to adapt for another group: a new id, version 1, "Copy of" the title, in the same organisation. */
export async function cloneCurriculum(actor: Actor, id: string, deps: CurriculaDeps): Promise<Curriculum | undefined> {
  const source = await findCurriculum(actor, id, "curriculum.clone", deps);
  if (!source) return undefined;
  const title = fitTitle(`Copy of ${source.title}`);
  const stamp = deps.now().toISOString();
  const copy: Curriculum = { ...source, id: (deps.newId ?? randomUUID)(), version: 1, createdAt: stamp, updatedAt: stamp, title, spec: { ...source.spec, title } };
  await deps.store.create(copy);
  await deps.audit.record(actor, "curriculum-cloned", { target: target(copy), detail: `From ${source.id} ("${source.title}")` });
  return copy;
}

/** Deletes a curriculum of the actor's organisation; false when there is none such. */
export async function deleteCurriculum(actor: Actor, id: string, deps: CurriculaDeps): Promise<boolean> {
  const found = await findCurriculum(actor, id, "curriculum.delete", deps);
  if (!found || !(await deps.store.delete(id))) return false;
  await deps.audit.record(actor, "curriculum-deleted", { target: target(found) });
  return true;
}

/** Records certificates printed for a curriculum (the names are not logged: they are participants' personal data). */
export async function recordCertificates(actor: Actor, c: Curriculum, count: number, deps: Pick<CurriculaDeps, "audit">): Promise<void> {
  await deps.audit.record(actor, "certificates-issued", { target: target(c), detail: `${count} certificate${count === 1 ? "" : "s"}` });
}

/**
 * A curriculum as the API answers it: with its audit taken afresh against the content's current rules (a course
 * saved before a rule changed, or before audits existed, shows how it stands today).
 */
export function presentCurriculum(c: Curriculum, catalog: Catalog): Curriculum {
  return { ...c, audit: auditCurriculum(c, catalog) };
}
