import { Router } from "express";
import { z } from "zod";
import { curriculumEditSchema, type CourseSpec, type CurriculumEdit } from "../../domain/index.js";
import { CalendarOverflowError, PlanningError } from "../../planner/index.js";
import { buildKit } from "../../kit/build-kit.js";
import { StaleVersionError } from "../../store/index.js";
import { cloneCurriculum, createCurriculum, deleteCurriculum, editCurriculum, findCurriculum, listCurricula, presentCurriculum, type CurriculaDeps } from "../../use-cases/curricula.js";
import { currentActor } from "../auth.js";
import { conflict, notFound, unprocessable, validationFailed } from "../http-error.js";
import { requireJson } from "../require-json.js";
import { parsedInput, validate } from "../validate.js";
import { courseSpecSchemaFor } from "../../domain/index.js";

/** Curriculum ids are random UUIDs: anything else cannot name a curriculum (and can never act as a path). */
export const curriculumIdParams = z.object({ id: z.uuid({ error: "must be a curriculum id" }) });

/** The id in a route's params, or 404 when it cannot be a curriculum id. */
export function curriculumId(params: unknown): string {
  const parsed = curriculumIdParams.safeParse(params);
  if (!parsed.success) throw notFound("The curriculum");
  return parsed.data.id;
}

/** The curriculum routes of the JSON API. */
export function curriculaRoutes(deps: CurriculaDeps): Router {
  const router = Router();
  const specSchema = courseSpecSchemaFor(deps.catalog.ids);

  router.post("/api/curricula", requireJson, validate("body", specSchema), async (_req, res) => {
    const spec = parsedInput<CourseSpec>(res.locals, "body");
    try {
      const curriculum = await createCurriculum(currentActor(res), spec, deps);
      res.status(201).location(`/api/curricula/${curriculum.id}`).json(curriculum);
    } catch (error) {
      if (error instanceof PlanningError) throw unprocessable(error.message, [{ path: error.field, message: error.message }]);
      if (error instanceof CalendarOverflowError) throw validationFailed([{ path: error.field, message: error.message }]);
      throw error;
    }
  });

  router.get("/api/curricula", async (_req, res) => {
    res.json({ items: await listCurricula(currentActor(res), deps) });
  });

  router.get("/api/curricula/:id", async (req, res) => {
    const curriculum = await findCurriculum(currentActor(res), curriculumId(req.params), "curriculum.read", deps);
    if (!curriculum) throw notFound("The curriculum");
    res.json(presentCurriculum(curriculum, deps.catalog));
  });

  router.get("/api/curricula/:id/kit", async (req, res) => {
    const curriculum = await findCurriculum(currentActor(res), curriculumId(req.params), "curriculum.read", deps);
    if (!curriculum) throw notFound("The curriculum");
    res.json(buildKit(curriculum, deps.catalog));
  });

  router.put("/api/curricula/:id", requireJson, validate("body", curriculumEditSchema), async (req, res) => {
    const edit = parsedInput<CurriculumEdit>(res.locals, "body");
    let outcome;
    try {
      outcome = await editCurriculum(currentActor(res), curriculumId(req.params), edit, deps);
    } catch (error) {
      if (error instanceof StaleVersionError) throw conflict(`${error.message} Reload it and make the edits again.`);
      throw error;
    }
    if (outcome.kind === "not-found") throw notFound("The curriculum");
    if (outcome.kind === "rejected") {
      const issues = [...outcome.editProblems, ...outcome.brokenRules.map((r) => ({ path: `rules.${r.rule}`, message: r.message }))];
      throw unprocessable("The edits would break the curriculum's rules; nothing was saved.", issues);
    }
    res.json(presentCurriculum(outcome.curriculum, deps.catalog));
  });

  router.delete("/api/curricula/:id", async (req, res) => {
    if (!(await deleteCurriculum(currentActor(res), curriculumId(req.params), deps))) throw notFound("The curriculum");
    res.status(204).end();
  });

  router.post("/api/curricula/:id/clone", async (req, res) => {
    const copy = await cloneCurriculum(currentActor(res), curriculumId(req.params), deps);
    if (!copy) throw notFound("The curriculum");
    res.status(201).location(`/api/curricula/${copy.id}`).json(copy);
  });

  return router;
}
