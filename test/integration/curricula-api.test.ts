import { beforeAll, describe, expect, test } from "@jest/globals";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";

let app: Express;
let bearer: string;
beforeAll(async () => {
  ({ app, person: { bearer } } = await signedInApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), now: () => new Date("2026-11-26T10:00:00Z"), log: () => {} }));
});

const spec = { title: "Peer responders, spring intake", sector: "police", tiers: ["self-care"], totalHours: 16, startDate: "2027-03-01" };

describe("POST /api/curricula", () => {
  test("when the spec is valid, then a scheduled curriculum is created and can be read back at its Location", async () => {
    const created = await request(app).post("/api/curricula").send(spec).expect(201);
    expect(created.headers.location).toBe(`/api/curricula/${created.body.id}`);
    expect(created.body.spec).toMatchObject({ ...spec, tiers: ["self-care", "peer-support"], practicalShare: 0.5, dayStart: "09:00" });
    expect(created.body.totals.contactMinutes).toBe(960);
    expect(created.body.totals.practicalShare).toBeGreaterThanOrEqual(0.5);
    expect(created.body.sessions[0]).toMatchObject({ date: "2027-03-01", start: "09:00" });

    const read = await request(app).get(created.headers.location!).expect(200);
    expect(read.body).toEqual(created.body);
    const list = await request(app).get("/api/curricula").expect(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: created.body.id, title: spec.title, sector: "police", totalHours: 16 }));
  });

  test("when fields break the rules, then a 400 names each field and its rule", async () => {
    const res = await request(app)
      .post("/api/curricula")
      .send({ ...spec, sector: "shipping", totalHours: 3, practicalShare: 0.3, startDate: "2027-02-30" })
      .expect(400);
    expect(res.body.error.code).toBe("validation_failed");
    const byPath = Object.fromEntries(res.body.error.issues.map((i: { path: string; message: string }) => [i.path, i.message]));
    expect(byPath.sector).toMatch(/must be one of: .*police/);
    expect(byPath.totalHours).toBe("must be at least 4 hours");
    expect(byPath.practicalShare).toMatch(/at least 0.40/);
    expect(byPath.startDate).toBe("must be a real calendar date from 0001-01-01 to 9999-12-31");
  });

  test("when the body is not JSON, then the answer is 415; when it is broken JSON, 400", async () => {
    // With a token (a script): a browser's form post with a session cookie meets the CSRF check first.
    await request(app).post("/api/curricula").set("Authorization", bearer).type("form").send("title=x").expect(415);
    const res = await request(app).post("/api/curricula").set("Content-Type", "application/json").send('{"title": ').expect(400);
    expect(res.body.error.code).toBe("malformed_request");
  });

  test("when the body is too large, then the answer is 413", async () => {
    const res = await request(app).post("/api/curricula").send({ ...spec, title: "x".repeat(200_000) }).expect(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  test("when the hours cannot hold every level, then a 422 states the minimum hours", async () => {
    const all = ["prevention", "self-care", "peer-support", "professional-support", "clinical-support"];
    const res = await request(app).post("/api/curricula").send({ ...spec, tiers: all, totalHours: 4, practicalShare: 0.8 }).expect(422);
    expect(res.body.error.code).toBe("unprocessable");
    expect(res.body.error.message).toMatch(/needs at least \d+(\.5)? hours/);
  });
});

describe("GET /api/curricula/{id}", () => {
  test("when the id is unknown or not an id at all, then the answer is 404", async () => {
    await request(app).get("/api/curricula/7d1c6f3e-0000-4000-8000-000000000000").expect(404);
    const res = await request(app).get("/api/curricula/..%2F..%2Fpackage.json").expect(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("PUT, DELETE and clone", () => {
  const create = async () => (await request(app).post("/api/curricula").send({ ...spec, totalHours: 12 }).expect(201)).body;

  test("when edits keep the rules, then PUT saves them as the next version; the same version again is a 409", async () => {
    const c = await create();
    const last = c.sessions.length - 1;
    const inputs = c.sessions.filter((s: any, i: number) => !s.practical && i > 0 && i < last && !s.id.startsWith("deroling"));
    const a = inputs.at(-1);
    const to = c.sessions.findIndex((s: any) => s.id === inputs.at(-2).id);
    const saved = await request(app).put(`/api/curricula/${c.id}`).send({ version: 1, title: "Renamed course", edits: [{ op: "move", session: a.id, to }] }).expect(200);
    expect(saved.body.version).toBe(2);
    expect(saved.body.title).toBe("Renamed course");
    expect(saved.body.sessions[to].id).toBe(a.id);
    const stale = await request(app).put(`/api/curricula/${c.id}`).send({ version: 1, edits: [] }).expect(409);
    expect(stale.body.error.code).toBe("conflict");
    expect(stale.body.error.message).toMatch(/version 2.*version 1/);
  });

  test("when edits would break a rule, then PUT answers 422 with the rule in words and nothing is saved", async () => {
    const c = await create();
    const simulations = c.sessions.filter((s: any) => s.method === "simulation").map((s: any) => ({ op: "remove", session: s.id }));
    const res = await request(app).put(`/api/curricula/${c.id}`).send({ version: 1, edits: simulations }).expect(422);
    expect(res.body.error.issues).toContainEqual({ path: "rules.needs-simulation", message: "at least one simulation: The course has no simulation." });
    expect((await request(app).get(`/api/curricula/${c.id}`)).body.version).toBe(1);
  });

  test("when an edit is malformed, then PUT answers 400 naming it", async () => {
    const c = await create();
    const res = await request(app).put(`/api/curricula/${c.id}`).send({ version: 1, edits: [{ op: "resize", session: "x", minutes: 7 }] }).expect(400);
    expect(res.body.error.issues).toContainEqual({ path: "edits[0].minutes", message: "must be a multiple of 5 minutes" });
    await request(app).put(`/api/curricula/${c.id}`).send({ edits: [] }).expect(400);
  });

  test("when cloned, then the copy has a new id, version 1 and 'Copy of' the title; when deleted, then it is gone", async () => {
    const c = await create();
    const copy = await request(app).post(`/api/curricula/${c.id}/clone`).expect(201);
    expect(copy.body.id).not.toBe(c.id);
    expect(copy.body).toMatchObject({ version: 1, title: `Copy of ${c.title}` });
    expect(copy.body.sessions).toEqual(c.sessions);
    await request(app).delete(`/api/curricula/${c.id}`).expect(204);
    await request(app).get(`/api/curricula/${c.id}`).expect(404);
    await request(app).delete(`/api/curricula/${c.id}`).expect(404);
    await request(app).post(`/api/curricula/${c.id}/clone`).expect(404);
  });
});
