import { format, parseISO } from "date-fns";
import type { Catalog } from "../content/index.js";
import { METHOD_LABELS, METHODS, isPractical, type Curriculum } from "../domain/index.js";
import { auditCurriculum, MIN_PRACTICAL_SHARE } from "../planner/index.js";

const STATUS_LABELS = { met: "Met", "not-met": "Not met", "not-applicable": "Not applicable" } as const;

/**
 * The course audit, computed afresh (the content's rules may have changed since the course was saved): the rules
 * that are not met first, then those met, then those that do not apply at this length or sector.
 */
function auditView(c: Curriculum, catalog: Catalog) {
  const entries = auditCurriculum(c, catalog);
  const order = { "not-met": 0, met: 1, "not-applicable": 2 } as const;
  return {
    entries: [...entries].sort((a, b) => order[a.status] - order[b.status]).map((e) => ({ ...e, statusLabel: STATUS_LABELS[e.status], notMet: e.status === "not-met" })),
    met: entries.filter((e) => e.status === "met").length,
    notMet: entries.filter((e) => e.status === "not-met").length,
    applicable: entries.filter((e) => e.status !== "not-applicable").length,
  };
}

const CHART_WIDTH = 600;

/** The balance chart: practical against other time with the 40% line, and minutes by method (server-drawn SVG). */
function balanceChart(c: Curriculum) {
  const { contactMinutes, practicalMinutes, byMethod } = c.totals;
  const practicalWidth = Math.round((practicalMinutes / contactMinutes) * CHART_WIDTH);
  const maxMethod = Math.max(...Object.values(byMethod), 1);
  const methods = METHODS.filter((m) => byMethod[m]).map((m, i) => ({
    label: METHOD_LABELS[m],
    minutes: byMethod[m]!,
    practical: isPractical(m),
    y: 90 + i * 28,
    width: Math.max(2, Math.round((byMethod[m]! / maxMethod) * (CHART_WIDTH - 280))),
  }));
  return {
    width: CHART_WIDTH + 40,
    height: 90 + methods.length * 28 + 10,
    practicalWidth,
    otherWidth: CHART_WIDTH - practicalWidth,
    practicalMinutes,
    otherMinutes: contactMinutes - practicalMinutes,
    share: c.totals.practicalShare,
    floorX: 20 + Math.round(MIN_PRACTICAL_SHARE * CHART_WIDTH),
    floorPercent: Math.round(MIN_PRACTICAL_SHARE * 100),
    methods,
  };
}

/** Domains x competencies x sessions: I (introduced) and P (practised) per cell; gaps flagged. */
function coverageMatrix(c: Curriculum, catalog: Catalog) {
  const columns = c.sessions.map((s, i) => ({ number: i + 1, title: s.title }));
  const domains = catalog.framework.domains.map((d) => {
    const rows = d.general.flatMap((g) =>
      g.specific.map((sc) => {
        const cells = c.sessions.map((s) => (s.introduces.includes(sc.id) ? "I" : s.practises.includes(sc.id) ? "P" : ""));
        const introduced = cells.includes("I");
        const practised = cells.includes("P");
        return { code: sc.code, name: sc.name, core: sc.core, cells, introduced, practised, gap: !introduced && !practised };
      }),
    );
    return { name: d.name, number: d.number, rows, covered: rows.filter((r) => !r.gap).length, total: rows.length };
  });
  return { columns, domains };
}

/** The schedule: each day's sessions and breaks in time order. */
function schedule(c: Curriculum) {
  return c.days.map((day) => {
    const items = [
      ...c.sessions.filter((s) => s.date === day.date).map((s) => ({ kind: "session" as const, start: s.start, end: s.end, title: s.title, method: s.method, practical: s.practical, anchor: s.id })),
      ...day.breaks.map((b) => ({ kind: "break" as const, start: b.start, end: b.end, title: b.label, method: undefined, practical: false, anchor: undefined })),
    ].sort((a, b) => a.start.localeCompare(b.start));
    return { date: day.date, label: format(parseISO(day.date), "EEEE d MMMM yyyy"), start: day.start, end: day.end, items };
  });
}

/** Everything the curriculum page shows, in display form. */
export function curriculumView(c: Curriculum, catalog: Catalog) {
  const name = (id: string) => catalog.competency(id)?.name ?? id;
  return {
    id: c.id,
    version: c.version,
    title: c.title,
    updatedAt: c.updatedAt,
    spec: c.spec,
    sector: catalog.sector(c.spec.sector)?.name ?? c.spec.sector,
    tiers: c.spec.tiers.map((t) => catalog.tier(t)?.name ?? t),
    totals: c.totals,
    firstDate: c.days[0]?.date,
    lastDate: c.days.at(-1)?.date,
    dayCount: c.days.length,
    chart: balanceChart(c),
    matrix: coverageMatrix(c, catalog),
    coveredCount: c.coverage.covered.length,
    competencyCount: catalog.competencies.length,
    omittedEmphasis: c.omittedEmphasis.map(name),
    days: schedule(c),
    audit: auditView(c, catalog),
    staffing: c.staffing,
    supporterTurns: c.totals.supporterTurnsPerParticipant,
    sessions: c.sessions.map((s, i) => {
      const template = catalog.session(s.templateId);
      const scenario = s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined;
      return {
        ...s,
        number: i + 1,
        summary: template?.summary,
        introducesNames: s.introduces.map(name),
        practisesNames: s.practises.map(name),
        tierNames: s.tiers.map((t) => catalog.tier(t)?.name ?? t),
        plan: template?.plan ?? [],
        materials: template?.materials ?? [],
        scenario: scenario && { id: scenario.id, title: scenario.title, difficulty: scenario.difficulty },
        practiceFormat: s.practice && catalog.rules.practice.formats.find((f) => f.id === s.practice!.format)?.name,
        phaseName: s.phase && catalog.rules.phases.find((p) => p.id === s.phase)?.name,
      };
    }),
  };
}
