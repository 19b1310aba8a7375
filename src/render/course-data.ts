import type { Catalog } from "../content/index.js";
import type { Curriculum, Scenario } from "../domain/index.js";
import { curriculumView } from "./curriculum-view.js";

/**
 * The view models the course documents share, whatever they are written as: the print templates (PDFs) and the
 * Word files read the same data, so the two can never say different things.
 */

/** A scenario with each observer-checklist item's competency by name. */
export function scenarioView(s: Scenario, catalog: Catalog) {
  return { ...s, checklistView: s.checklist.map((c) => ({ behaviour: c.behaviour, competency: catalog.competency(c.competency)?.name ?? c.competency })) };
}

/**
 * What the syllabus and the guide share: the curriculum view, the programme, the coverage by domain with session
 * numbers, the support levels and the sources the course rests on.
 */
export function courseData(c: Curriculum, catalog: Catalog) {
  const view = curriculumView(c, catalog);
  const sessionNumber = new Map(c.sessions.map((s, i) => [s.id, i + 1]));
  const coverage = catalog.framework.domains.map((d) => {
    const rows = d.general.flatMap((g) =>
      g.specific.map((sc) => {
        const introducedIn = c.sessions.filter((s) => s.introduces.includes(sc.id)).map((s) => sessionNumber.get(s.id));
        const practisedIn = c.sessions.filter((s) => s.practises.includes(sc.id)).map((s) => sessionNumber.get(s.id));
        return { code: sc.code, name: sc.name, core: sc.core, introducedIn, practisedIn, gap: introducedIn.length + practisedIn.length === 0 };
      }),
    );
    const coveredRows = rows.filter((r) => !r.gap);
    return { number: d.number, name: d.name, coveredRows, gaps: rows.filter((r) => r.gap).map((r) => `${r.code} ${r.name}`), covered: coveredRows.length, total: rows.length };
  });
  const levels = c.spec.tiers.map((id) => catalog.tier(id)!).map((t) => ({ level: t.level, name: t.name, description: t.description, role: t.peerSupporterRole.description }));
  // Cite what this course rests on: the framework, the programme, and the sessions' and scenarios' sources.
  const cited = new Set<string>([...catalog.framework.sources, ...catalog.programme.sources]);
  for (const s of c.sessions) {
    for (const id of catalog.session(s.templateId)?.sources ?? []) cited.add(id);
    for (const scenarioId of s.scenarioIds) for (const id of catalog.scenario(scenarioId)?.sources ?? []) cited.add(id);
  }
  const sources = catalog.sources.filter((s) => cited.has(s.id));
  return { c: view, programme: catalog.programme, coverage, levels, sources };
}
