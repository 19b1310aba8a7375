import { Router } from "express";
import { z } from "zod";
import type { Catalog } from "../../content/index.js";
import { DIFFICULTY_RANK, matchesScenarioFilter } from "../../domain/index.js";
import { notFound } from "../http-error.js";


/** /framework and /scenarios: the evidence the courses are built from, browsable. */
export function libraryPages(catalog: Catalog): Router {
  const router = Router();
  const sectorName = (id: string) => catalog.sector(id)?.name ?? id;

  router.get("/framework", (_req, res) => {
    res.render("framework", {
      title: "Competency framework",
      framework: catalog.framework,
      domains: catalog.framework.domains.map((d) => ({
        ...d,
        general: d.general.map((g) => ({
          ...g,
          specific: g.specific.map((s) => ({
            ...s,
            emphasisedIn: (catalog.competency(s.id)?.emphasisedIn ?? []).map(sectorName),
            tierNames: s.tiers.map((t) => catalog.tier(t)?.name ?? t),
          })),
        })),
      })),
    });
  });

  // Unknown filter values are ignored on this page (it shows what matches); the API rejects them with a 400.
  const filterSchema = z.object({
    sector: z.string().optional().catch(undefined),
    tier: z.string().optional().catch(undefined),
    competency: z.string().optional().catch(undefined),
  });
  router.get("/scenarios", (req, res) => {
    const query = filterSchema.parse(req.query);
    const sector = catalog.sector(query.sector ?? "")?.id;
    const tier = catalog.tier(query.tier ?? "")?.id;
    const competency = catalog.competency(query.competency ?? "")?.id;
    const items = catalog.scenarios
      .filter((s) => matchesScenarioFilter(s, { sector, tier, competency }))
      .sort((a, b) => a.sector.localeCompare(b.sector) || DIFFICULTY_RANK[a.difficulty] - DIFFICULTY_RANK[b.difficulty] || a.title.localeCompare(b.title))
      .map((s) => ({ ...s, sectorName: sectorName(s.sector), minutesTotal: s.minutes.brief + s.minutes.play + s.minutes.debrief }));
    res.render("scenarios", {
      title: "Scenario library",
      items,
      sectors: catalog.sectors.map((s) => ({ id: s.id, name: s.name, selected: s.id === sector })),
      tiers: catalog.tiers.map((t) => ({ id: t.id, name: t.name, selected: t.id === tier })),
      tierQuery: tier,
      competencies: catalog.competencies.map((c) => ({ id: c.id, name: `${c.code} ${c.name}`, selected: c.id === competency })),
    });
  });

  router.get("/scenarios/:id", (req, res) => {
    const scenario = catalog.scenario(String(req.params.id));
    if (!scenario) throw notFound("The scenario");
    const name = (id: string) => catalog.competency(id)?.name ?? id;
    res.render("scenario", {
      title: scenario.title,
      scenario,
      sectorName: sectorName(scenario.sector),
      tierNames: scenario.tiers.map((t) => catalog.tier(t)?.name ?? t),
      objectives: scenario.objectives.map((o) => ({ text: o.text, competencies: o.competencies.map(name) })),
      checklist: scenario.checklist.map((c) => ({ behaviour: c.behaviour, competency: name(c.competency) })),
      sources: scenario.sources.map((id) => catalog.source(id)?.short ?? id),
    });
  });

  return router;
}
