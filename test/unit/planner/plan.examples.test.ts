import { beforeAll, describe, expect, test } from "@jest/globals";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { courseSpecSchemaFor } from "../../../src/domain/index.js";
import { plan } from "../../../src/planner/index.js";
import { ROOT } from "../../support/built.js";
import { realCatalog } from "../../support/catalog.js";
import { brokenRules } from "../../support/invariants.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const examplesDir = join(ROOT, "curricula", "examples");
const examples = readdirSync(examplesDir).filter((f) => f.endsWith(".json")).sort();
const context = { id: "example", now: new Date("2026-11-26T10:00:00Z") };

describe("the checked-in example specs", () => {
  test("when listed, then every sector has one, from 8 to 40 hours", () => {
    const specs = examples.map((f) => JSON.parse(readFileSync(join(examplesDir, f), "utf8")));
    expect(new Set(specs.map((s) => s.sector))).toEqual(new Set(["healthcare", "military", "police", "firefighting", "postal"]));
    for (const s of specs) expect(s.totalHours >= 8 && s.totalHours <= 40).toBe(true);
  });

  test.each(examples)("when %s is planned, then every rule holds and the sector's own content is used", (file) => {
    const spec = courseSpecSchemaFor(catalog.ids).parse(JSON.parse(readFileSync(join(examplesDir, file), "utf8")));
    const curriculum = plan(spec, catalog, context);
    expect(brokenRules(curriculum, spec, catalog)).toEqual([]);
    // Scenarios come from the sector; the sector's emphasis is included when the hours allow.
    const scenarios = curriculum.sessions.flatMap((s) => s.scenarioIds).map((id) => catalog.scenario(id)!);
    expect(scenarios.length).toBeGreaterThanOrEqual(2);
    for (const s of scenarios) expect(s.sector).toBe(spec.sector);
    if (spec.totalHours >= 16) expect(curriculum.omittedEmphasis).toEqual([]);
  });
});

describe("the planner's choices", () => {
  const base = { title: "t", sector: "healthcare", totalHours: 12, startDate: "2027-01-04" };
  const parse = (raw: object) => courseSpecSchemaFor(catalog.ids).parse(raw);

  test("when a designer asks for more practice, then the practical share follows, within 5 points", () => {
    const c = plan(parse({ ...base, practicalShare: 0.7 }), catalog, context);
    expect(c.totals.practicalShare).toBeGreaterThanOrEqual(0.7);
    expect(c.totals.practicalShare).toBeLessThanOrEqual(0.75);
  });

  test("when a domain is in focus, then more of it is covered than without the focus", () => {
    const covered = (focusDomains: string[]) => {
      const c = plan(parse({ ...base, sector: "police", focusDomains }), catalog, context);
      return c.coverage.covered.filter((x) => catalog.competency(x.competency)!.domainId === "self-care-motivation").length;
    };
    expect(covered(["self-care-motivation"])).toBeGreaterThan(covered([]));
  });

  test("when the hours are short, then emphasised competencies that did not fit are listed, not dropped silently", () => {
    const c = plan(parse({ ...base, totalHours: 4 }), catalog, context);
    const included = new Set(c.sessions.flatMap((s) => s.competencies));
    for (const e of catalog.sector("healthcare")!.emphasis) expect(included.has(e.competency) || c.omittedEmphasis.includes(e.competency)).toBe(true);
  });

  test("when a 6-hour day holds more than four contact hours, then it has a lunch break", () => {
    const c = plan(parse({ ...base, maxHoursPerDay: 6 }), catalog, context);
    expect(c.days[0]!.breaks.some((b) => b.label === "Lunch")).toBe(true);
  });

  test("when weekdays are chosen, then only those dates are used", () => {
    const c = plan(parse({ ...base, days: ["tue", "thu"], maxHoursPerDay: 4 }), catalog, context);
    const dates = c.days.map((d) => d.date);
    expect(dates.slice(0, 3)).toEqual(["2027-01-05", "2027-01-07", "2027-01-12"]);
    for (const date of dates) expect([2, 4]).toContain(new Date(`${date}T12:00:00Z`).getUTCDay());
  });
});
