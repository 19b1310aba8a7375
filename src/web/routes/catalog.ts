import { Router } from "express";
import type { Catalog } from "../../content/index.js";
import { METHOD_LABELS, METHODS, isPractical } from "../../domain/index.js";

/** GET /api/catalog: the framework (each specific competency with the sectors that emphasise it), levels, sectors, methods. */
export function catalogRoutes(catalog: Catalog): Router {
  const framework = {
    ...catalog.framework,
    domains: catalog.framework.domains.map((domain) => ({
      ...domain,
      general: domain.general.map((general) => ({
        ...general,
        specific: general.specific.map((specific) => ({ ...specific, emphasisedIn: catalog.competency(specific.id)?.emphasisedIn ?? [] })),
      })),
    })),
  };
  const body = {
    framework,
    tiers: catalog.tiers,
    sectors: catalog.sectors,
    methods: METHODS.map((id) => ({ id, label: METHOD_LABELS[id], practical: isPractical(id) })),
  };
  const router = Router();
  router.get("/api/catalog", (_req, res) => {
    res.json(body);
  });
  return router;
}
