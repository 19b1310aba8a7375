import { Router } from "express";
import { z } from "zod";
import type { CourseSpec } from "../../domain/index.js";
import { PlanningError } from "../../planner/index.js";
import { createCurriculum, type CurriculaDeps } from "../../use-cases/curricula.js";
import { notFound, unprocessable } from "../http-error.js";
import { requireJson } from "../require-json.js";
import { parsedInput, validate } from "../validate.js";
import { courseSpecSchemaFor } from "../../domain/index.js";

/** Curriculum ids are random UUIDs: anything else cannot name a curriculum (and can never act as a path). */
export const curriculumIdParams = z.object({ id: z.uuid({ error: "must be a curriculum id" }) });

/** The curriculum routes of the JSON API. */
export function curriculaRoutes(deps: CurriculaDeps): Router {
  const router = Router();
  const specSchema = courseSpecSchemaFor(deps.catalog.ids);

  router.post("/api/curricula", requireJson, validate("body", specSchema), async (_req, res) => {
    const spec = parsedInput<CourseSpec>(res.locals, "body");
    try {
      const curriculum = await createCurriculum(spec, deps);
      res.status(201).location(`/api/curricula/${curriculum.id}`).json(curriculum);
    } catch (error) {
      if (error instanceof PlanningError) throw unprocessable(error.message, [{ path: "totalHours", message: error.message }]);
      throw error;
    }
  });

  router.get("/api/curricula", async (_req, res) => {
    res.json({ items: await deps.store.list() });
  });

  router.get("/api/curricula/:id", async (req, res) => {
    const params = curriculumIdParams.safeParse(req.params);
    const curriculum = params.success ? await deps.store.get(params.data.id) : undefined;
    if (!curriculum) throw notFound("The curriculum");
    res.json(curriculum);
  });

  return router;
}
