import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import request from "supertest";
import type { Catalog } from "../../src/content/index.js";
import { plan } from "../../src/planner/index.js";
import { LowdbAccountRepository, LowdbCurriculumRepository, MemoryAccountRepository, MemoryCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { SIGN_IN_LIMITS } from "../../src/auth/account-service.js";
import { realCatalog } from "../support/catalog.js";
import { asBrowser, seedOrganisations, TEST_PASSWORD, type TestOrganisation } from "../support/accounts.js";

const fakePdf = { render: async () => Buffer.from("%PDF-1.7\n%fake\n") };
const SPEC = { title: "Ward peer team", sector: "healthcare", totalHours: 8, startDate: "2027-03-01" };

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

/** A clock the test moves. */
function clock(start = "2026-11-29T10:00:00Z") {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** A browser: an agent keeping cookies, with the CSRF token of a page's form. */
async function browserAt(app: Express, path: string) {
  const agent = request.agent(app);
  const page = await agent.get(path).set("Accept", "text/html");
  const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no form on ${path} (${page.status})`);
  return { agent, csrf, page };
}

function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  return cookies.find((c) => c.startsWith("sid="));
}

async function signIn(app: Express, email: string, password = TEST_PASSWORD) {
  const { agent, csrf } = await browserAt(app, "/sign-in");
  const res = await agent.post("/sign-in").type("form").send({ _csrf: csrf, email, password });
  return { agent, res };
}

describe("first run", () => {
  test("when no account exists, then pages lead to set-up, the API says so, and set-up makes the admin and adopts older curricula", async () => {
    const store = new MemoryCurriculumRepository();
    // A curriculum kept before accounts existed: no organisation.
    const old = plan({ ...SPEC, tiers: ["peer-support"], practicalShare: 0.5, days: ["mon", "tue", "wed", "thu", "fri"], dayStart: "09:00", maxHoursPerDay: 6, timezone: "UTC", groupSize: 12, focusDomains: [] } as never, catalog, { id: "0b6a4a3e-1111-4222-8333-444455556666", now: new Date() });
    await store.create(old);
    const accounts = new MemoryAccountRepository();
    const app = createApp({ catalog, store, accounts, log: () => {} });

    for (const path of ["/", "/curricula/new", "/framework", "/sign-in"]) {
      const res = await request(app).get(path).set("Accept", "text/html").expect(303);
      expect(res.headers.location).toBe("/setup");
    }
    const api = await request(app).get("/api/curricula").expect(401);
    expect(api.body.error.message).toMatch(/\/setup|users add/);

    const { agent, csrf } = await browserAt(app, "/setup");
    const bad = await agent.post("/setup").type("form").send({ _csrf: csrf, organisationName: "St Elsewhere", name: "Ana", email: "not-an-email", password: "short", confirm: "other" }).expect(400);
    expect(bad.text).toContain("must be an email address");
    expect(bad.text).toContain("must be at least 10 characters");
    expect(bad.text).toContain('value="St Elsewhere"');
    expect(bad.text).not.toContain("short");
    expect(await accounts.countUsers()).toBe(0);

    const done = await agent.post("/setup").type("form").send({ _csrf: csrf, organisationName: "St Elsewhere", name: "Ana Lima", email: "Ana@Example.org", password: "a good long password", confirm: "a good long password" }).expect(303);
    expect(done.headers.location).toBe("/");
    expect(sessionCookie(done)).toBeDefined();
    const me = await agent.get("/api/me").expect(200);
    expect(me.body).toMatchObject({ user: { email: "ana@example.org", name: "Ana Lima" }, organisation: { name: "St Elsewhere" }, role: "admin" });
    // The curriculum from before accounts is now the organisation's.
    const list = await agent.get("/api/curricula").expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([old.id]);

    // Set-up happens once: a second attempt makes nothing.
    const again = await browserAt(app, "/sign-in");
    const second = await again.agent.post("/setup").type("form").send({ _csrf: again.csrf, organisationName: "Intruders", name: "Eve", email: "eve@example.org", password: "a good long password", confirm: "a good long password" }).expect(303);
    expect(second.headers.location).toBe("/sign-in");
    expect(await accounts.countUsers()).toBe(1);
    const audit = await accounts.listAudit({ organisationId: me.body.organisation.id });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["setup", "store-adopted"]));
  });
});

describe("sessions", () => {
  let app: Express;
  let org: TestOrganisation;
  let time: ReturnType<typeof clock>;
  let accounts: MemoryAccountRepository;

  beforeAll(async () => {
    time = clock();
    accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    [org] = (await seedOrganisations({ accounts, store, now: time.now })) as [TestOrganisation];
    app = createApp({ catalog, store, accounts, now: time.now, sessions: { idleMinutes: 60, absoluteHours: 24 }, trustProxy: "loopback", log: () => {} });
  });

  test("when someone signs in, then the cookie is HttpOnly, SameSite=Lax, and Secure only over HTTPS", async () => {
    const { res } = await signIn(app, org.people.trainer.user.email);
    expect(res.status).toBe(303);
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    const { agent, csrf } = await browserAt(app, "/sign-in");
    const secure = await agent.post("/sign-in").set("X-Forwarded-Proto", "https").type("form").send({ _csrf: csrf, email: org.people.trainer.user.email, password: TEST_PASSWORD });
    expect(sessionCookie(secure)).toMatch(/Secure/);
  });

  test("when a session id was planted before sign-in, then sign-in issues a new one and the planted one stays someone else's", async () => {
    // The attacker's own session, planted in the victim's browser.
    const planted = org.people.trainer.cookie;
    const agent = request.agent(app);
    const page = await agent.get("/sign-in").set("Cookie", planted).set("Accept", "text/html");
    // Signed in already as the attacker: the sign-in page moves on; a fresh browser shows the form.
    expect(page.status).toBe(303);
    const { agent: victim, csrf } = await browserAt(app, "/sign-in");
    const res = await victim.post("/sign-in").set("Cookie", `${planted}; csrf_token=${csrf}`).type("form").send({ _csrf: csrf, email: org.people.designer.user.email, password: TEST_PASSWORD }).expect(303);
    const issued = sessionCookie(res)!.split(";")[0]!;
    expect(issued).not.toBe(planted);
    const asPlanted = await request(app).get("/api/me").set("Cookie", planted).expect(200);
    expect(asPlanted.body.user.email).toBe(org.people.trainer.user.email);
    const asIssued = await request(app).get("/api/me").set("Cookie", issued).expect(200);
    expect(asIssued.body.user.email).toBe(org.people.designer.user.email);
  });

  test("when someone signs out, then the session is over on the server, not only in the browser", async () => {
    const { res } = await signIn(app, org.people.manager.user.email);
    const cookie = sessionCookie(res)!.split(";")[0]!;
    const page = await request(app).get("/account").set("Cookie", cookie).set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    await request(app).post("/sign-out").set("Cookie", `${cookie}; csrf_token=${csrf}`).type("form").send({ _csrf: csrf }).expect(303);
    await request(app).get("/api/me").set("Cookie", cookie).expect(401);
  });

  test("when a session is idle too long, or too old however active, then it ends", async () => {
    const { res } = await signIn(app, org.people.manager.user.email);
    const cookie = sessionCookie(res)!.split(";")[0]!;
    time.advance(59 * 60_000);
    await request(app).get("/api/me").set("Cookie", cookie).expect(200);
    time.advance(61 * 60_000);
    await request(app).get("/api/me").set("Cookie", cookie).expect(401);

    const active = sessionCookie((await signIn(app, org.people.manager.user.email)).res)!.split(";")[0]!;
    for (let hour = 0; hour < 40; hour++) {
      time.advance(50 * 60_000);
      const answer = await request(app).get("/api/me").set("Cookie", active);
      if (answer.status !== 200) {
        // Ended by the absolute limit: after 24 hours, not before.
        expect((hour + 1) * 50).toBeGreaterThan(24 * 60);
        return;
      }
    }
    throw new Error("an active session outlived its absolute limit");
  });

  test("when someone signs out of every other session, then those end and this one stays", async () => {
    const person = org.people.manager;
    const other = sessionCookie((await signIn(app, person.user.email)).res)!.split(";")[0]!;
    const { agent } = await signIn(app, person.user.email);
    const page = await agent.get("/account").set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    await agent.post("/account/sessions/others/sign-out").type("form").send({ _csrf: csrf }).expect(303);
    await agent.get("/api/me").expect(200);
    await request(app).get("/api/me").set("Cookie", other).expect(401);
  });

  test("when someone changes their password, then their other sessions end and the old password stops working", async () => {
    const person = org.people.designer;
    const other = sessionCookie((await signIn(app, person.user.email)).res)!.split(";")[0]!;
    const { agent, res } = await signIn(app, person.user.email);
    expect(res.status).toBe(303);
    const page = await agent.get("/account").set("Accept", "text/html").expect(200);
    const csrf = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    const wrong = await agent.post("/account/password").type("form").send({ _csrf: csrf, current: "not it at all", password: "a brand new password", confirm: "a brand new password" }).expect(400);
    expect(wrong.text).toContain("is not your current password");
    await agent.post("/account/password").type("form").send({ _csrf: csrf, current: TEST_PASSWORD, password: "a brand new password", confirm: "a brand new password" }).expect(303);
    await agent.get("/api/me").expect(200);
    await request(app).get("/api/me").set("Cookie", other).expect(401);
    expect((await signIn(app, person.user.email)).res.status).toBe(401);
    expect((await signIn(app, person.user.email, "a brand new password")).res.status).toBe(303);
  });
});

describe("sign-in attempts", () => {
  test("when an email fails too often, then it waits even with the right password; an unknown email reads exactly like a wrong password", async () => {
    const accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    const [org] = (await seedOrganisations({ accounts, store })) as [TestOrganisation];
    const time = clock();
    const app = createApp({ catalog, store, accounts, now: time.now, log: () => {} });
    const email = org.people.trainer.user.email;

    const unknown = await signIn(app, "nobody@example.org", "whatever it is");
    const wrong = await signIn(app, email, "whatever it is");
    expect(unknown.res.status).toBe(401);
    expect(wrong.res.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(unknown.res.text)).toBe(message(wrong.res.text));

    for (let i = 1; i < SIGN_IN_LIMITS.perAccount; i++) await signIn(app, email, "still wrong");
    const limited = await signIn(app, email);
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers["retry-after"])).toBeGreaterThan(0);
    // The same for an email with no account: the limit reveals nothing either.
    for (let i = 1; i < SIGN_IN_LIMITS.perAccount; i++) await signIn(app, "nobody@example.org", "still wrong");
    expect((await signIn(app, "nobody@example.org", "x")).res.status).toBe(429);
    // Another account from the same address still gets in (the address limit is higher).
    expect((await signIn(app, org.people.manager.user.email)).res.status).toBe(303);
    time.advance(SIGN_IN_LIMITS.windowMs + 1000);
    expect((await signIn(app, email)).res.status).toBe(303);

    // One address trying many emails is stopped too.
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) await signIn(app, `spray${i}@example.org`, "guess");
    expect((await signIn(app, org.people.designer.user.email)).res.status).toBe(429);
    const failures = await accounts.listAudit({ organisationId: org.organisation.id, action: "sign-in-failed" });
    expect(failures.length).toBeGreaterThanOrEqual(SIGN_IN_LIMITS.perAccount);
  });
});

describe("CSRF and API tokens", () => {
  let app: Express;
  let org: TestOrganisation;
  let accounts: MemoryAccountRepository;

  beforeAll(async () => {
    accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    [org] = (await seedOrganisations({ accounts, store })) as [TestOrganisation];
    app = createApp({ catalog, store, accounts, log: () => {} });
  });

  test("when a form is posted without its token, then it is refused, signed in or not", async () => {
    await request(app).post("/sign-in").type("form").send({ email: org.people.trainer.user.email, password: TEST_PASSWORD }).expect(403);
    const browser = asBrowser(app, org.people.designer);
    await request(browser).post("/curricula").type("form").send({ title: "x" }).expect(403);
    await request(browser).post("/sign-out").type("form").send({}).expect(403);
    await request(browser).get("/api/me").expect(200);
    // A JSON request from another site is refused by its origin.
    await request(browser).post("/api/curricula").set("Origin", "https://evil.example").send(SPEC).expect(403);
  });

  test("when a token is made on the account page, then it is shown once, works as a Bearer, is listed, and stops at revocation", async () => {
    const { agent, csrf } = await browserAt(asBrowser(app, org.people.manager), "/account");
    const made = await agent.post("/account/tokens").type("form").send({ _csrf: csrf, label: "Nightly export" }).expect(201);
    expect(made.headers["cache-control"]).toBe("no-store");
    const secret = /class="secret">(pst_[A-Za-z0-9_-]{43})</.exec(made.text)![1]!;
    const me = await request(app).get("/api/me").set("Authorization", `Bearer ${secret}`).expect(200);
    expect(me.body).toMatchObject({ role: "manager", via: "api" });
    const page = await agent.get("/account").set("Accept", "text/html").expect(200);
    expect(page.text).toContain("Nightly export");
    expect(page.text).not.toContain(secret);
    const tokens = await accounts.listTokens(org.people.manager.user.id);
    const token = tokens.find((t) => t.label === "Nightly export")!;
    expect(token.lastUsedAt).toBeDefined();
    await agent.post(`/account/tokens/${token.id}/revoke`).type("form").send({ _csrf: csrf }).expect(303);
    await request(app).get("/api/me").set("Authorization", `Bearer ${secret}`).expect(401);
    // A token is its owner's to revoke: another person's attempt finds nothing.
    const other = (await accounts.listTokens(org.people.trainer.user.id))[0]!;
    await agent.post(`/account/tokens/${other.id}/revoke`).type("form").send({ _csrf: csrf }).expect(404);
    await request(app).get("/api/me").set("Authorization", org.people.trainer.bearer).expect(200);
  });

  test("when someone leaves an organisation, then their tokens for it stop working", async () => {
    const { agent, csrf } = await browserAt(asBrowser(app, org.people.admin), "/admin/members");
    await request(app).get("/api/curricula").set("Authorization", org.people.trainer.bearer).expect(200);
    await agent.post(`/admin/members/${org.people.trainer.user.id}/role`).type("form").send({ _csrf: csrf, role: "remove" }).expect(303);
    await request(app).get("/api/curricula").set("Authorization", org.people.trainer.bearer).expect(401);
    const removed = await accounts.listAudit({ organisationId: org.organisation.id, action: "member-removed" });
    expect(removed).toHaveLength(1);
  });
});

describe("invitations", () => {
  test("when an admin invites someone, then the link makes their account with that role, once", async () => {
    const accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    const [org] = (await seedOrganisations({ accounts, store })) as [TestOrganisation];
    const app = createApp({ catalog, store, accounts, log: () => {} });
    const { agent, csrf } = await browserAt(asBrowser(app, org.people.admin), "/admin/members");
    const made = await agent.post("/admin/invitations").type("form").send({ _csrf: csrf, role: "designer", email: "new.designer@example.org" }).expect(201);
    const url = new URL(/class="secret">([^<]+)</.exec(made.text)![1]!);
    expect(url.pathname).toMatch(/^\/invitations\/psi_/);

    const guest = await browserAt(app, url.pathname);
    expect(guest.page.text).toContain("Join St Elsewhere Hospital");
    const joined = await guest.agent.post(url.pathname).type("form").send({ _csrf: guest.csrf, name: "Nia Designer", email: "new.designer@example.org", password: "a good long password", confirm: "a good long password" }).expect(303);
    expect(sessionCookie(joined)).toBeDefined();
    const me = await guest.agent.get("/api/me").expect(200);
    expect(me.body).toMatchObject({ role: "designer", organisation: { name: "St Elsewhere Hospital" } });
    // Used once: the same link now finds nothing.
    await request(app).get(url.pathname).set("Accept", "text/html").expect(404);
    const events = (await accounts.listAudit({ organisationId: org.organisation.id })).map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(["member-invited", "invitation-accepted"]));
  });
});

describe("share links", () => {
  let app: Express;
  let org: TestOrganisation;
  let other: TestOrganisation;
  let time: ReturnType<typeof clock>;
  let id: string;

  beforeAll(async () => {
    time = clock();
    const accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    [org, other] = (await seedOrganisations({ accounts, store }, ["St Elsewhere Hospital", "County Fire Service"])) as [TestOrganisation, TestOrganisation];
    app = createApp({ catalog, store, accounts, pdf: fakePdf, now: time.now, log: () => {} });
    id = (await request(app).post("/api/curricula").set("Authorization", org.people.designer.bearer).send(SPEC).expect(201)).body.id;
  });

  test("when a manager shares a curriculum, then anyone with the link reads its participant side and nothing more", async () => {
    const made = await request(app).post(`/api/curricula/${id}/share-links`).set("Authorization", org.people.manager.bearer).send({ label: "Ethics committee" }).expect(201);
    const path = new URL(made.body.url).pathname;
    expect(path).toMatch(/^\/s\/psl_[A-Za-z0-9_-]{43}$/);
    const page = await request(app).get(path).set("Accept", "text/html").expect(200);
    expect(page.text).toContain("Ward peer team");
    expect(page.text).toContain(`${path}/syllabus.pdf`);
    for (const hidden of ["facilitator-guide", "/edit", "certificates", "Session plan", "_csrf", "Sign out"]) expect(page.text).not.toContain(hidden);
    expect(page.headers["cache-control"]).toContain("no-store");
    await request(app).get(`${path}/syllabus.html`).expect(200);
    const pdf = await request(app).get(`${path}/syllabus.pdf`).expect(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    await request(app).get(`${path}/kit.pdf`).expect(200);
    await request(app).get(`${path}/kit.pdf?edition=facilitator`).expect(400);
    await request(app).get(`${path}/facilitator-guide.pdf`).expect(404);
    // Read-only: nothing to post to.
    await request(app).post(path).send({}).expect(404);
    // Listed for the organisation, never with its secret.
    const list = await request(app).get(`/api/curricula/${id}/share-links`).set("Authorization", org.people.manager.bearer).expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ label: "Ethics committee", live: true, lastOpenedAt: expect.any(String) })]);
    expect(JSON.stringify(list.body)).not.toContain(path.slice(3));
  });

  test("when a link is revoked or expires, then it is refused at once", async () => {
    const made = await request(app).post(`/api/curricula/${id}/share-links`).set("Authorization", org.people.designer.bearer).send({}).expect(201);
    const path = new URL(made.body.url).pathname;
    await request(app).get(path).expect(200);
    // Another organisation cannot revoke it (it cannot see it).
    await request(app).delete(`/api/curricula/${id}/share-links/${made.body.id}`).set("Authorization", other.people.admin.bearer).expect(404);
    await request(app).delete(`/api/curricula/${id}/share-links/${made.body.id}`).set("Authorization", org.people.manager.bearer).expect(204);
    await request(app).get(path).expect(404);
    await request(app).get(`${path}/syllabus.pdf`).expect(404);

    const expiring = await request(app).post(`/api/curricula/${id}/share-links`).set("Authorization", org.people.manager.bearer).send({ expiresAt: new Date(time.now().getTime() + 3_600_000).toISOString() }).expect(201);
    const later = new URL(expiring.body.url).pathname;
    await request(app).get(later).expect(200);
    time.advance(3_600_001);
    await request(app).get(later).expect(404);
    await request(app).post(`/api/curricula/${id}/share-links`).set("Authorization", org.people.manager.bearer).send({ expiresAt: "2020-01-01T00:00:00Z" }).expect(400);
  });

  test("when the curriculum is deleted, then its links open nothing", async () => {
    const copy = (await request(app).post(`/api/curricula/${id}/clone`).set("Authorization", org.people.designer.bearer).expect(201)).body.id;
    const made = await request(app).post(`/api/curricula/${copy}/share-links`).set("Authorization", org.people.manager.bearer).send({}).expect(201);
    await request(app).delete(`/api/curricula/${copy}`).set("Authorization", org.people.designer.bearer).expect(204);
    await request(app).get(new URL(made.body.url).pathname).expect(404);
  });
});

describe("the audit log", () => {
  test("when people work, then each kind of event is recorded with who and what, and admins export it as CSV that no spreadsheet runs", async () => {
    const accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    const [org] = (await seedOrganisations({ accounts, store })) as [TestOrganisation];
    const app = createApp({ catalog, store, accounts, pdf: fakePdf, log: () => {} });
    const designer = org.people.designer.bearer;
    await signIn(app, org.people.trainer.user.email);
    await signIn(app, org.people.trainer.user.email, "wrong password here");
    const created = (await request(app).post("/api/curricula").set("Authorization", designer).send({ ...SPEC, title: '=HYPERLINK("http://evil.example","click")' }).expect(201)).body;
    await request(app).put(`/api/curricula/${created.id}`).set("Authorization", designer).send({ version: created.version, title: "Renamed course", edits: [] }).expect(200);
    const clone = (await request(app).post(`/api/curricula/${created.id}/clone`).set("Authorization", designer).expect(201)).body;
    await request(app).delete(`/api/curricula/${clone.id}`).set("Authorization", designer).expect(204);
    const share = (await request(app).post(`/api/curricula/${created.id}/share-links`).set("Authorization", designer).send({}).expect(201)).body;
    await request(app).delete(`/api/curricula/${created.id}/share-links/${share.id}`).set("Authorization", designer).expect(204);
    await request(app).post(`/api/curricula/${created.id}/certificates`).set("Authorization", org.people.manager.bearer).send({ participants: ["Ana Lima", "Ben Okafor"] }).expect(200);
    const { agent, csrf } = await browserAt(asBrowser(app, org.people.admin), "/admin/members");
    await agent.post(`/admin/members/${org.people.trainer.user.id}/role`).type("form").send({ _csrf: csrf, role: "manager" }).expect(303);

    const events = await accounts.listAudit({ organisationId: org.organisation.id });
    const actions = new Set(events.map((e) => e.action));
    for (const kind of ["sign-in", "sign-in-failed", "curriculum-created", "curriculum-edited", "curriculum-cloned", "curriculum-deleted", "share-created", "share-revoked", "certificates-issued", "role-changed"]) {
      expect({ kind, recorded: actions.has(kind as never) }).toEqual({ kind, recorded: true });
    }
    const roleChange = events.find((e) => e.action === "role-changed")!;
    expect(roleChange).toMatchObject({ actor: { email: org.people.admin.user.email, via: "web" }, target: { kind: "user", name: org.people.trainer.user.email }, detail: "trainer -> manager" });
    const certificates = events.find((e) => e.action === "certificates-issued")!;
    expect(certificates.detail).toBe("2 certificates");
    // Participants' names are personal data and stay out of the log.
    expect(JSON.stringify(events)).not.toContain("Ana Lima");

    const page = await request(asBrowser(app, org.people.admin)).get("/admin/audit").set("Accept", "text/html").expect(200);
    expect(page.text).toContain("curriculum-created");
    expect(page.text).toContain("&#x3D;HYPERLINK");
    const csv = await request(asBrowser(app, org.people.admin)).get("/admin/audit.csv").expect(200);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = csv.text.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0]).toBe("When (UTC),Action,Who,Via,What,Target id,Detail,Address");
    expect(lines.length).toBe(events.length + 1);
    const created_ = lines.find((l) => l.includes("curriculum-created"))!;
    // The title starts with "=": written so that it is text, never a formula.
    expect(created_).toContain(`"curriculum: =HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
    await request(asBrowser(app, org.people.designer)).get("/admin/audit.csv").expect(403);
  });
});

describe("what the embedded store keeps", () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("when people set up, sign in, make tokens, links and invitations, then no password or secret is in the store's files", async () => {
    dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const store = await LowdbCurriculumRepository.open(dir);
    const accounts = await LowdbAccountRepository.open(dir);
    try {
      const app = createApp({ catalog, store, accounts, log: () => {} });
      const password = "plain password that must never be stored";
      const { agent, csrf } = await browserAt(app, "/setup");
      const setUp = await agent.post("/setup").type("form").send({ _csrf: csrf, organisationName: "Harbour Police", name: "Ida", email: "ida@example.org", password, confirm: password }).expect(303);
      const session = sessionCookie(setUp)!.split(";")[0]!.slice(4);
      const tokenPage = await agent.post("/account/tokens").type("form").send({ _csrf: csrf, label: "Script" }).expect(201);
      const token = /class="secret">(pst_[^<]+)</.exec(tokenPage.text)![1]!;
      const course = (await agent.post("/api/curricula").send({ ...SPEC, sector: "police" }).expect(201)).body;
      const share = (await agent.post(`/api/curricula/${course.id}/share-links`).send({}).expect(201)).body.url as string;
      const invite = await agent.post("/admin/invitations").type("form").send({ _csrf: csrf, role: "trainer" }).expect(201);
      const invitation = /class="secret">[^<]*\/invitations\/(psi_[^<]+)</.exec(invite.text)![1]!;

      const files: string[] = [];
      const walk = async (folder: string) => {
        for (const entry of await readdir(folder, { withFileTypes: true })) {
          if (entry.isDirectory()) await walk(join(folder, entry.name));
          else files.push(join(folder, entry.name));
        }
      };
      await walk(dir);
      const everything = (await Promise.all(files.map((f) => readFile(f, "utf8")))).join("\n");
      expect(everything).toContain("ida@example.org");
      expect(everything).toContain("$argon2id$");
      for (const secret of [password, session, token, share.split("/s/")[1]!, invitation]) expect(everything).not.toContain(secret);
    } finally {
      await accounts.close();
      await store.close();
    }
  });
});
