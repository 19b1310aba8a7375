import { Router } from "express";
import { z } from "zod";
import type { Catalog } from "../../content/index.js";
import { matchesScenarioFilter } from "../../domain/index.js";
import { parsedInput, validate } from "../validate.js";

/** Builds the query schema from the catalog, so an unknown value is rejected with the values that exist. */
function scenarioQuerySchema(catalog: Catalog) {
  const oneOf = (label: string, allowed: readonly string[]) =>
    z
      .string()
      .refine((v) => allowed.includes(v), `is not a known ${label}; allowed: ${allowed.join(", ")}`)
      .optional();
  return z.strictObject({
    sector: oneOf("sector", catalog.ids.sectors),
    tier: oneOf("ERNST level", catalog.ids.tiers),
    competency: oneOf("competency", catalog.competencies.map((c) => c.id)),
  }, { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown filter; use sector, tier or competency` : undefined) });
}

type ScenarioQuery = z.infer<ReturnType<typeof scenarioQuerySchema>>;

/** GET /api/scenarios?sector=&tier=&competency=: the scenario library; filters combine (all must match). */
export function scenarioRoutes(catalog: Catalog): Router {
  const router = Router();
  router.get("/api/scenarios", validate("query", scenarioQuerySchema(catalog)), (_req, res) => {
    const { sector, tier, competency } = parsedInput<ScenarioQuery>(res.locals, "query");
    const items = catalog.scenarios.filter((s) => matchesScenarioFilter(s, { sector, tier, competency }));
    res.json({ items });
  });
  return router;
}
