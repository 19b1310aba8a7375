import { beforeAll, describe, expect, test } from "@jest/globals";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import type { Catalog } from "../../src/content/index.js";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";

let app: Express;
let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
  ({ app } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), log: () => {} }));
});

describe("GET /api/scenarios", () => {
  test("when unfiltered, then the whole library is returned", async () => {
    const res = await request(app).get("/api/scenarios").expect(200);
    expect(res.body.items).toHaveLength(catalog.scenarios.length);
  });

  test("when filtered by sector, level and competency together, then every item matches all three", async () => {
    const res = await request(app).get("/api/scenarios?sector=police&tier=clinical-support&competency=triage-decision").expect(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    for (const s of res.body.items) {
      expect(s.sector).toBe("police");
      expect(s.tiers).toContain("clinical-support");
      const named = [...s.objectives.flatMap((o: any) => o.competencies), ...s.checklist.map((c: any) => c.competency)];
      expect(named).toContain("triage-decision");
    }
    const sectorOnly = await request(app).get("/api/scenarios?sector=police").expect(200);
    expect(sectorOnly.body.items.length).toBeGreaterThan(res.body.items.length);
  });

  test("when a filter names an unknown value, then a 400 lists the allowed values", async () => {
    const res = await request(app).get("/api/scenarios?sector=shipping&tier=level-9").expect(400);
    expect(res.body.error.code).toBe("validation_failed");
    const byPath = Object.fromEntries(res.body.error.issues.map((i: any) => [i.path, i.message]));
    expect(byPath.sector).toBe(`is not a known sector; allowed: ${catalog.ids.sectors.join(", ")}`);
    expect(byPath.tier).toMatch(/allowed: prevention, self-care, peer-support, professional-support, clinical-support/);
  });

  test("when an unknown filter or a repeated one is sent, then the answer is a 400, not a guess", async () => {
    await request(app).get("/api/scenarios?colour=red").expect(400);
    await request(app).get("/api/scenarios?sector=police&sector=postal").expect(400);
  });
});
