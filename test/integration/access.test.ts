import { beforeAll, describe, expect, test } from "@jest/globals";
import type { Express } from "express";
import request from "supertest";
import type { Catalog } from "../../src/content/index.js";
import { ROLES, type Role } from "../../src/domain/index.js";
import { can, PERMISSIONS } from "../../src/auth/policy.js";
import { MemoryAccountRepository, MemoryCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { realCatalog } from "../support/catalog.js";
import { asBrowser, seedOrganisations, type TestOrganisation } from "../support/accounts.js";

/** A PDF service that answers at once: these tests are about who may print, not printing. */
const fakePdf = { render: async () => Buffer.from("%PDF-1.7\n%fake\n") };

const SPEC = { title: "Ward peer team", sector: "healthcare", totalHours: 8, startDate: "2027-03-01" };

let catalog: Catalog;
let app: Express;
let accounts: MemoryAccountRepository;
let store: MemoryCurriculumRepository;
let orgA: TestOrganisation;
let orgB: TestOrganisation;
/** A curriculum of each organisation, made by its designer. */
let courseA: { id: string; version: number };
let courseB: { id: string; version: number };

beforeAll(async () => {
  catalog = await realCatalog();
  accounts = new MemoryAccountRepository();
  store = new MemoryCurriculumRepository();
  [orgA, orgB] = (await seedOrganisations({ accounts, store }, ["St Elsewhere Hospital", "County Fire Service"])) as [TestOrganisation, TestOrganisation];
  app = createApp({ catalog, store, accounts, pdf: fakePdf, now: () => new Date("2026-11-29T10:00:00Z"), log: () => {} });
  courseA = (await request(app).post("/api/curricula").set("Authorization", orgA.people.designer.bearer).send(SPEC).expect(201)).body;
  courseB = (await request(app).post("/api/curricula").set("Authorization", orgB.people.designer.bearer).send({ ...SPEC, sector: "firefighting" }).expect(201)).body;
});

interface RouteEntry {
  method: string;
  path: string;
}

/** Every route the app declares, from Express's own route table (routers included). */
function routeTable(application: Express): RouteEntry[] {
  const found: RouteEntry[] = [];
  const walk = (stack: unknown[]) => {
    for (const layer of stack as { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[]) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: layer.route.path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((application as unknown as { router: { stack: unknown[] } }).router.stack);
  return found;
}

/** The routes anyone may use: their own answers say what happens without credentials. */
const PUBLIC = new Set(["GET /healthz", "GET /sign-in", "POST /sign-in", "GET /setup", "POST /setup"]);

describe("the route table: nothing without credentials", () => {
  test("when the app is walked route by route, then every route but sign-in, set-up and /healthz refuses an anonymous request", async () => {
    const routes = routeTable(app);
    expect(routes.length).toBeGreaterThan(30);
    const fill = (path: string) =>
      path
        .replace(":id", courseA.id)
        .replace(":file", "healthcare.pdf")
        .replace(/:secret/, "psl_" + "A".repeat(43))
        .replace(/:\w+/g, "00000000-0000-4000-8000-000000000000");
    const checked: string[] = [];
    const wrong: string[] = [];
    for (const { method, path } of routes) {
      if (PUBLIC.has(`${method} ${path}`)) continue;
      const url = fill(path);
      const anonymous = await request(app)[method.toLowerCase() as "get"](url).set("Accept", "application/json").send(method === "GET" ? undefined : {});
      // Share links and invitations are credentials in themselves: a made-up one finds nothing.
      const refused = path.startsWith("/s/") || path.startsWith("/invitations/") ? [404] : [401];
      if (!refused.includes(anonymous.status)) wrong.push(`${method} ${path}: ${anonymous.status}`);
      if (anonymous.status === 401 && anonymous.body.error?.code !== "unauthorized") wrong.push(`${method} ${path}: 401 without the contract's body`);
      checked.push(`${method} ${path}`);
    }
    expect(wrong).toEqual([]);
    // The core of the product is among them.
    expect(checked).toEqual(expect.arrayContaining(["GET /api/curricula", "POST /api/curricula", "GET /api/curricula/:id", "PUT /api/curricula/:id", "DELETE /api/curricula/:id", "GET /curricula/:id/syllabus.pdf", "GET /framework", "GET /scenarios", "GET /admin/audit.csv"]));
  });

  test("when a browser asks for a page signed out, then it is sent to sign in and brought back after", async () => {
    const res = await request(app).get(`/curricula/${courseA.id}?x=1`).set("Accept", "text/html").expect(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(`/curricula/${courseA.id}?x=1`)}`);
    const agent = request.agent(app);
    const page = await agent.get("/sign-in?next=/framework").set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    const signedIn = await agent.post("/sign-in").type("form").send({ _csrf: csrf, email: orgA.people.trainer.user.email, password: "a long test password", next: "/framework" }).expect(303);
    expect(signedIn.headers.location).toBe("/framework");
    await agent.get("/framework").set("Accept", "text/html").expect(200);
  });

  test("when the return path points elsewhere, then sign-in goes home instead (no open redirect)", async () => {
    for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example"]) {
      const agent = request.agent(app);
      const page = await agent.get("/sign-in").set("Accept", "text/html").expect(200);
      const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
      const res = await agent.post("/sign-in").type("form").send({ _csrf: csrf, email: orgA.people.trainer.user.email, password: "a long test password", next }).expect(303);
      expect(res.headers.location).toBe("/");
    }
  });

  test("when a token is malformed, unknown or revoked, then the API answers 401 with the contract's body", async () => {
    for (const header of ["Bearer nonsense", "Bearer pst_" + "x".repeat(43), "Basic dXNlcjpwYXNz"]) {
      const res = await request(app).get("/api/curricula").set("Authorization", header).expect(401);
      expect(res.body).toEqual({ error: { code: "unauthorized", message: expect.any(String), issues: [] } });
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
  });
});

describe("roles", () => {
  test("when the policy is read for each role, then each role can do what the role below it can and more", () => {
    for (const action of Object.keys(PERMISSIONS) as (keyof typeof PERMISSIONS)[]) {
      const allowed = ROLES.filter((r) => can(r, action));
      // A ladder: once a role is refused, every role below it is refused too.
      expect(ROLES.slice(0, allowed.length)).toEqual(allowed);
    }
    expect(can("trainer", "curriculum.create")).toBe(false);
    expect(can("manager", "certificates.issue")).toBe(true);
    expect(can("designer", "organisation.manage")).toBe(false);
  });

  /** What each request needs, and how to make it. The expected status for a role is 2xx/3xx when allowed, 403 when not. */
  const cases: { name: string; least: Role; run: (bearer: string) => request.Test }[] = [
    { name: "read a curriculum (JSON)", least: "trainer", run: (b) => request(app).get(`/api/curricula/${courseA.id}`).set("Authorization", b) },
    { name: "list curricula", least: "trainer", run: (b) => request(app).get("/api/curricula").set("Authorization", b) },
    { name: "programme kit (JSON)", least: "trainer", run: (b) => request(app).get(`/api/curricula/${courseA.id}/kit`).set("Authorization", b) },
    { name: "facilitator guide", least: "trainer", run: (b) => request(app).get(`/curricula/${courseA.id}/facilitator-guide.pdf`).set("Authorization", b) },
    { name: "scenario pack", least: "trainer", run: (b) => request(app).get("/scenario-packs/healthcare.pdf").set("Authorization", b) },
    { name: "syllabus", least: "manager", run: (b) => request(app).get(`/curricula/${courseA.id}/syllabus.pdf`).set("Authorization", b) },
    { name: "participant kit", least: "manager", run: (b) => request(app).get(`/curricula/${courseA.id}/kit.pdf?edition=participant`).set("Authorization", b) },
    { name: "issue certificates", least: "manager", run: (b) => request(app).post(`/api/curricula/${courseA.id}/certificates`).set("Authorization", b).send({ participants: ["Ana Lima"] }) },
    { name: "make a share link", least: "manager", run: (b) => request(app).post(`/api/curricula/${courseA.id}/share-links`).set("Authorization", b).send({}) },
    { name: "create a curriculum", least: "designer", run: (b) => request(app).post("/api/curricula").set("Authorization", b).send(SPEC) },
    { name: "clone a curriculum", least: "designer", run: (b) => request(app).post(`/api/curricula/${courseA.id}/clone`).set("Authorization", b) },
    { name: "edit a curriculum", least: "designer", run: (b) => request(app).put(`/api/curricula/${courseA.id}`).set("Authorization", b).send({ version: 999, edits: [] }) },
    { name: "read the audit log", least: "admin", run: (b) => request(app).get("/admin/audit.csv").set("Authorization", b) },
    { name: "manage members", least: "admin", run: (b) => request(app).get("/admin/members").set("Authorization", b) },
  ];

  for (const c of cases) {
    test(`when each role tries to ${c.name}, then ${c.least} and above may and the rest get 403`, async () => {
      const answers: Record<string, number> = {};
      const expected: Record<string, number | string> = {};
      for (const role of ROLES) {
        const res = await c.run(orgA.people[role].bearer);
        const allowed = ROLES.indexOf(role) <= ROLES.indexOf(c.least);
        // An edit against a made-up version is a 409 for those allowed: the permission check came first.
        answers[role] = allowed && [200, 201, 204, 409].includes(res.status) ? 200 : res.status;
        expected[role] = allowed ? 200 : 403;
        if (!allowed) expect(res.body.error.code).toBe("forbidden");
      }
      expect(answers).toEqual(expected);
    });
  }

  test("when a trainer opens the curriculum page, then the controls their role cannot use are not shown", async () => {
    const page = await request(asBrowser(app, orgA.people.trainer)).get(`/curricula/${courseA.id}`).set("Accept", "text/html").expect(200);
    expect(page.text).toContain("facilitator-guide.pdf");
    expect(page.text).not.toContain(`/curricula/${courseA.id}/edit`);
    expect(page.text).not.toContain(`/curricula/${courseA.id}/delete`);
    expect(page.text).not.toContain("/certificates");
    expect(page.text).not.toContain("share-links");
    const designer = await request(asBrowser(app, orgA.people.designer)).get(`/curricula/${courseA.id}`).set("Accept", "text/html").expect(200);
    expect(designer.text).toContain(`/curricula/${courseA.id}/edit`);
  });

  test("when the last admin would be demoted, then it is refused: an organisation keeps an admin", async () => {
    const admin = asBrowser(app, orgB.people.admin);
    const page = await request(admin).get("/admin/members").set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    const cookie = `csrf_token=${csrf}`;
    const res = await request(admin).post(`/admin/members/${orgB.people.admin.user.id}/role`).set("Cookie", cookie).type("form").send({ _csrf: csrf, role: "trainer" }).expect(409);
    expect(res.text).toContain("at least one admin");
  });
});

describe("organisations", () => {
  test("when someone asks for another organisation's curriculum by any door, then it is a 404, never a 403", async () => {
    const b = orgA.people.admin.bearer;
    const id = courseB.id;
    const requests = [
      request(app).get(`/api/curricula/${id}`).set("Authorization", b),
      request(app).get(`/api/curricula/${id}/kit`).set("Authorization", b),
      request(app).put(`/api/curricula/${id}`).set("Authorization", b).send({ version: courseB.version, edits: [] }),
      request(app).delete(`/api/curricula/${id}`).set("Authorization", b),
      request(app).post(`/api/curricula/${id}/clone`).set("Authorization", b),
      request(app).post(`/api/curricula/${id}/share-links`).set("Authorization", b).send({}),
      request(app).get(`/api/curricula/${id}/share-links`).set("Authorization", b),
      request(app).post(`/api/curricula/${id}/certificates`).set("Authorization", b).send({ participants: ["X"] }),
      request(app).get(`/curricula/${id}`).set("Authorization", b),
      request(app).get(`/curricula/${id}/edit`).set("Authorization", b),
      request(app).get(`/curricula/${id}/syllabus.pdf`).set("Authorization", b),
      request(app).get(`/curricula/${id}/syllabus.html`).set("Authorization", b),
      request(app).get(`/curricula/${id}/facilitator-guide.pdf`).set("Authorization", b),
      request(app).get(`/curricula/${id}/kit.pdf`).set("Authorization", b),
    ];
    const statuses = (await Promise.all(requests)).map((res) => res.status);
    expect(statuses).toEqual(requests.map(() => 404));
    // Even a trainer, who may not delete at all, learns nothing: 404 before 403.
    await request(app).delete(`/api/curricula/${id}`).set("Authorization", orgA.people.trainer.bearer).expect(404);
    // And it is still there for its own organisation.
    await request(app).get(`/api/curricula/${id}`).set("Authorization", orgB.people.trainer.bearer).expect(200);
  });

  test("when curricula are listed, then each organisation sees only its own", async () => {
    const a = await request(app).get("/api/curricula").set("Authorization", orgA.people.trainer.bearer).expect(200);
    const b = await request(app).get("/api/curricula").set("Authorization", orgB.people.trainer.bearer).expect(200);
    expect(a.body.items.map((i: { id: string }) => i.id)).toContain(courseA.id);
    expect(a.body.items.map((i: { id: string }) => i.id)).not.toContain(courseB.id);
    expect(b.body.items.map((i: { id: string }) => i.id)).toEqual([courseB.id]);
  });

  test("when a person belongs to two organisations, then they switch between them and see each one's curricula", async () => {
    const person = orgA.people.manager;
    await accounts.setMembership(person.user.id, orgB.organisation.id, "trainer");
    const browser = asBrowser(app, person);
    const home = await request(browser).get("/account").set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(home.text)![1]!;
    await request(browser).post("/account/organisation").set("Cookie", `csrf_token=${csrf}`).type("form").send({ _csrf: csrf, organisationId: orgB.organisation.id }).expect(303);
    const me = await request(browser).get("/api/me").expect(200);
    expect(me.body.organisation.name).toBe("County Fire Service");
    expect(me.body.role).toBe("trainer");
    const list = await request(browser).get("/api/curricula").expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([courseB.id]);
    // Switching to an organisation one does not belong to is refused.
    const stranger = asBrowser(app, orgA.people.trainer);
    await request(stranger).post("/account/organisation").set("Cookie", `csrf_token=${csrf}`).type("form").send({ _csrf: csrf, organisationId: orgB.organisation.id }).expect(404);
  });
});
