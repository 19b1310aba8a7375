import { beforeAll, describe, expect, test } from "@jest/globals";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";

let app: Express;
beforeAll(async () => {
  ({ app } = await signedInApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), log: () => {} }));
});

describe("GET /healthz", () => {
  test("when the app runs, then it answers ok", async () => {
    const res = await request(app).get("/healthz").expect(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});

describe("GET /api/catalog", () => {
  test("when asked, then it returns the framework, levels, sectors and methods", async () => {
    const res = await request(app).get("/api/catalog").expect(200).expect("Content-Type", /json/);
    const { framework, tiers, sectors, methods } = res.body;
    expect(framework.domains).toHaveLength(5);
    const specific = framework.domains.flatMap((d: any) => d.general.flatMap((g: any) => g.specific));
    expect(specific).toHaveLength(91);
    expect(specific.find((c: any) => c.id === "mindfulness-practice").emphasisedIn).toEqual(["healthcare"]);
    expect(tiers.map((t: any) => t.id)).toContain("peer-support");
    expect(sectors.map((s: any) => s.id)).toEqual(expect.arrayContaining(["healthcare", "police"]));
    expect(methods.filter((m: any) => m.practical).map((m: any) => m.id)).toEqual(["role-play", "simulation", "supervised-practice"]);
  });

  test("when answered, then security headers are set", async () => {
    const res = await request(app).get("/api/catalog");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });
});

describe("an unknown route", () => {
  test("when requested, then the answer is a 404 in the contract's error body", async () => {
    const res = await request(app).get("/api/nothing-here").expect(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: expect.any(String), issues: [] } });
  });
});
