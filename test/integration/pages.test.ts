import { beforeAll, describe, expect, test } from "@jest/globals";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";

let app: Express;
beforeAll(async () => {
  ({ app } = await signedInApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), now: () => new Date("2026-11-26T10:00:00Z"), log: () => {} }));
});

/** A browser-like agent: keeps cookies and reads the CSRF token from a page's form. */
async function session() {
  const agent = request.agent(app);
  const page = await agent.get("/curricula/new").set("Accept", "text/html").expect(200);
  const token = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  if (!token) throw new Error("no CSRF token on the form");
  return { agent, token };
}

const validForm = (token: string, overrides: Record<string, string | string[]> = {}) => ({
  _csrf: token,
  title: "Night-shift responders",
  sector: "healthcare",
  tiers: ["peer-support", "self-care"],
  totalHours: "12",
  practicalShare: "50",
  startDate: "2027-02-01",
  days: ["mon", "wed"],
  dayStart: "09:00",
  maxHoursPerDay: "6",
  timezone: "Europe/Madrid",
  groupSize: "12",
  ...overrides,
});

describe("the new-course form", () => {
  test("when opened, then it offers every sector, level (with its explanation) and weekday, with defaults filled in", async () => {
    const res = await request(app).get("/curricula/new").set("Accept", "text/html").expect(200);
    for (const sector of ["Healthcare", "Police", "Firefighting", "Postal"]) expect(res.text).toContain(sector);
    expect(res.text).toMatch(/Peer support and triage/);
    expect(res.text).toMatch(/name="totalHours"[^>]*value="16"/);
    expect(res.text).toMatch(/id="day-sat"/);
  });

  test("when posted valid, then the curriculum is created and the browser is sent to it", async () => {
    const { agent, token } = await session();
    const res = await agent.post("/curricula").type("form").send(validForm(token)).expect(303);
    expect(res.headers.location).toMatch(/^\/curricula\/[0-9a-f-]{36}$/);
    const page = await agent.get(res.headers.location!).set("Accept", "text/html").expect(200);
    expect(page.text).toContain("Night-shift responders");
    expect(page.text).toContain("Competency coverage");
    expect(page.text).toMatch(/<svg role="img"/);
  });

  test("when posted with errors, then the form comes back with the values, a message beside each field and a linked summary", async () => {
    const { agent, token } = await session();
    const res = await agent.post("/curricula").type("form").send(validForm(token, { totalHours: "2", practicalShare: "30", timezone: "Mars/Olympus" })).expect(400);
    expect(res.text).toContain("There is a problem");
    expect(res.text).toMatch(/<a href="#field-totalHours">Total contact hours: must be at least 4 hours<\/a>/);
    expect(res.text).toMatch(/id="practicalShare-error">.*must be at least 40%/s);
    expect(res.text).toMatch(/name="timezone"[^>]*value="Mars\/Olympus"/);
    expect(res.text).toMatch(/name="title"[^>]*value="Night-shift responders"/);
  });

  test("when too few hours hold the chosen levels, then the form says the minimum", async () => {
    const { agent, token } = await session();
    const all = ["prevention", "self-care", "peer-support", "professional-support", "clinical-support"];
    const res = await agent.post("/curricula").type("form").send(validForm(token, { totalHours: "4", practicalShare: "80", tiers: all })).expect(422);
    expect(res.text).toMatch(/needs at least \d+(\.5)? hours/);
  });

  test("when the CSRF token is missing or wrong, then the post is refused with 403 and nothing is created", async () => {
    const { agent } = await session();
    await agent.post("/curricula").type("form").send(validForm("0".repeat(64))).expect(403);
    const list = await request(app).get("/api/curricula");
    expect(list.body.items.map((i: any) => i.title)).not.toContain("Forged");
  });

  test("when a title holds markup, then every page shows it as text", async () => {
    const { agent, token } = await session();
    const title = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
    const created = await agent.post("/curricula").type("form").send(validForm(token, { title })).expect(303);
    for (const path of ["/", created.headers.location!, `${created.headers.location}/edit`, `${created.headers.location}/delete`]) {
      const page = await agent.get(path).set("Accept", "text/html").expect(200);
      expect(page.text).not.toContain("<script>alert(1)");
      expect(page.text).not.toContain("<img src=x");
      expect(page.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});

describe("the edit page", () => {
  test("when a session is moved with its button, then the change is saved; when an edit breaks a rule, then it is shown and not saved", async () => {
    const { agent, token } = await session();
    const created = await agent.post("/curricula").type("form").send(validForm(token)).expect(303);
    const id = created.headers.location!.split("/").pop()!;
    const before = (await request(app).get(`/api/curricula/${id}`)).body;
    // An input session right after another input session: moving it up swaps two inputs and keeps every rule.
    const isInput = (s: any) => s && s.introduces.length > 0 && !s.practical;
    const moved = before.sessions.find((s: any, i: number) => i > 1 && isInput(s) && isInput(before.sessions[i - 1]));
    const res = await agent.post(`/curricula/${id}/edit`).type("form").send({ _csrf: token, version: "1", title: before.title, action: `up:${moved.id}` }).expect(303);
    expect(res.headers.location).toBe(`/curricula/${id}/edit?saved=1`);
    const after = (await request(app).get(`/api/curricula/${id}`)).body;
    expect(after.version).toBe(2);
    expect(after.sessions.findIndex((s: any) => s.id === moved.id)).toBe(before.sessions.findIndex((s: any) => s.id === moved.id) - 1);

    const grow = after.sessions.find((s: any) => !s.practical && s.minutes + 5 <= 45);
    const refused = await agent
      .post(`/curricula/${id}/edit`)
      .type("form")
      .send({ _csrf: token, version: "2", title: after.title, [`m_${grow.id}`]: String(grow.minutes + 5), action: "save" })
      .expect(422);
    expect(refused.text).toContain("These changes were not saved");
    expect(refused.text).toMatch(/lengthen or add|shorten or remove/);
    expect((await request(app).get(`/api/curricula/${id}`)).body.version).toBe(2);
  });

  test("when the form was made against an old version, then the page says someone else saved and shows their version", async () => {
    const { agent, token } = await session();
    const created = await agent.post("/curricula").type("form").send(validForm(token)).expect(303);
    const id = created.headers.location!.split("/").pop()!;
    await request(app).put(`/api/curricula/${id}`).send({ version: 1, title: "Changed elsewhere", edits: [] }).expect(200);
    const res = await agent.post(`/curricula/${id}/edit`).type("form").send({ _csrf: token, version: "1", title: "Mine", action: "save" }).expect(409);
    expect(res.text).toContain("Someone else saved this curriculum");
    expect(res.text).toContain("Changed elsewhere");
  });
});

describe("list, clone and delete", () => {
  test("when cloned and deleted from the pages, then the list follows", async () => {
    const { agent, token } = await session();
    const created = await agent.post("/curricula").type("form").send(validForm(token, { title: "To copy" })).expect(303);
    const id = created.headers.location!.split("/").pop()!;
    const clone = await agent.post(`/curricula/${id}/clone`).type("form").send({ _csrf: token }).expect(303);
    const home = await agent.get("/").set("Accept", "text/html").expect(200);
    expect(home.text).toContain("Copy of To copy");
    const confirm = await agent.get(`/curricula/${id}/delete`).set("Accept", "text/html").expect(200);
    expect(confirm.text).toContain("This cannot be undone");
    await agent.post(`/curricula/${id}/delete`).type("form").send({ _csrf: token }).expect(303);
    await request(app).get(`/api/curricula/${id}`).expect(404);
    await request(app).get(`/api/curricula/${clone.headers.location!.split("/").pop()}`).expect(200);
  });
});

describe("framework and scenario pages", () => {
  test("when opened, then the framework lists every domain and the scenario library filters", async () => {
    const fw = await request(app).get("/framework").set("Accept", "text/html").expect(200);
    expect(fw.text).toContain("Self-care and motivation");
    expect(fw.text).toContain("Active listening");
    const police = await request(app).get("/scenarios?sector=police").set("Accept", "text/html").expect(200);
    expect(police.text).toMatch(/\d+ scenario\(s\)/);
    expect(police.text).not.toContain("/scenarios/healthcare-");
    const one = await request(app).get("/scenarios/police-fatal-shooting-first-hours").set("Accept", "text/html").expect(200);
    expect(one.text).toContain("Observer checklist");
    await request(app).get("/scenarios/nothing").set("Accept", "text/html").expect(404);
  });

  test("when a page is served, then the CSP allows only this site's scripts and styles", async () => {
    const res = await request(app).get("/").set("Accept", "text/html").expect(200);
    expect(res.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(res.headers["content-security-policy"]).toMatch(/form-action 'self'/);
  });
});

describe("the programme kit on the curriculum page", () => {
  test("when a curriculum is opened, then its kit is summarised with links to the kit PDFs and a certificate form", async () => {
    const { agent, token } = await session();
    const created = await agent.post("/curricula").type("form").send(validForm(token)).expect(303);
    const page = await agent.get(created.headers.location!).set("Accept", "text/html").expect(200);
    expect(page.text).toContain("Programme kit");
    expect(page.text).toMatch(/href="\/curricula\/[0-9a-f-]{36}\/kit\.pdf\?edition=participant"/);
    expect(page.text).toMatch(/<textarea id="cert-names" name="names"/);
    // Without a PDF renderer the certificate form answers 503, after the CSRF check and the name rules.
    await agent.post(`${created.headers.location}/certificates`).type("form").send({ _csrf: token, names: "Ana\nBo" }).expect(503);
    await agent.post(`${created.headers.location}/certificates`).type("form").send({ _csrf: token, names: "   " }).expect(400);
    await agent.post(`${created.headers.location}/certificates`).type("form").send({ _csrf: "0".repeat(64), names: "Ana" }).expect(403);
  });
});

describe("the course audit on the page and in the facilitator guide", () => {
  test("when a curriculum is opened, then the page and the guide show how it stands against each rule of the course rules", async () => {
    const { agent, token } = await session();
    const created = await agent.post("/curricula").type("form").send(validForm(token, { totalHours: "16", days: ["mon", "tue", "wed"] })).expect(303);
    const page = await agent.get(created.headers.location!).set("Accept", "text/html").expect(200);
    expect(page.text).toContain("What the evidence and experienced trainers expect, and how this course stands");
    expect(page.text).toMatch(/suicide risk practised with the trainer playing the colleague/);
    expect(page.text).toMatch(/Staffing<\/dt><dd>\d trainer\(s\)/);
    expect(page.text).toMatch(/How it runs:<\/strong> (Pairs|Triads|Fishbowl|Stations|Whole group), \d+ round/);
    const guide = await agent.get(`${created.headers.location}/facilitator-guide.html`).expect(200);
    expect(guide.text).toContain("What the evidence and experienced trainers expect, and how this course stands");
    expect(guide.text).toMatch(/a scheduled final practical station on a scenario the course did not use/);
  });
});
