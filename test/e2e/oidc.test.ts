import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { OpenIdConnectSignIn } from "../../src/auth/oidc.js";
import type { Organisation, User } from "../../src/domain/index.js";
import { MemoryAccountRepository, MemoryCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { realCatalog } from "../support/catalog.js";

/**
 * Single sign-on end to end: a real OpenID provider (oidc-provider, with its development login and consent pages)
 * and the app, both listening on 127.0.0.1, driven with fetch the way a browser would (no redirect following, a
 * cookie jar per origin), from the sign-in button to a working session.
 */

/** The provider's people, by the login typed on its login page. */
const PEOPLE: Record<string, { email: string; email_verified: boolean; name?: string }> = {
  nia: { email: "Nia.Newcomer@Example.org", email_verified: true, name: "Nia Newcomer" },
  noel: { email: "noel@example.org", email_verified: true },
  ada: { email: "ada@example.org", email_verified: true, name: "Ada from the provider" },
  uma: { email: "uma@example.org", email_verified: false, name: "Uma Unverified" },
};

const CLIENT = { id: "curriculum-builder", secret: "a-client-secret-only-this-test-knows" };
const STAMP = "2026-11-01T09:00:00.000Z";

/**
 * The little of oidc-provider this test uses: it ships no types, so it is imported by a name TypeScript does not
 * resolve and described here.
 */
interface ProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => { callback(): (req: IncomingMessage, res: ServerResponse) => void };
}

/** A browser's cookies, per origin, honouring Path, Max-Age and Expires: enough for both sites' flows. */
class Browser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name)?.value;
  }

  async fetch(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.origin) ?? new Map()).entries()].filter(([, c]) => target.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`);
    const headers: Record<string, string> = { ...init.headers };
    if (cookies.length > 0) headers.cookie = cookies.join("; ");
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers.origin = target.origin;
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body, redirect: "manual" });
    this.remember(target, res.headers.getSetCookie());
    return res;
  }

  private remember(target: URL, setCookies: string[]): void {
    const jar = this.jar.get(target.origin) ?? new Map<string, { value: string; path: string }>();
    this.jar.set(target.origin, jar);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";").map((p) => p.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const attr = new Map(attributes.map((a) => [a.split("=")[0]!.toLowerCase(), a.slice(a.indexOf("=") + 1)]));
      const maxAge = attr.get("max-age");
      const expires = attr.get("expires");
      const gone = value === "" || (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) jar.delete(name);
      else jar.set(name, { value, path: attr.get("path") ?? "/" });
    }
  }
}

const decode = (html: string) => html.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#x2F;/g, "/").replace(/&#39;/g, "'");

/** The first form on a provider page: where it posts, and its hidden fields. */
function readForm(html: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the provider's page:\n${html.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*>/g)) {
    if (!/type="hidden"/.test(input[0])) continue;
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[decode(name)] = decode(value ?? "");
  }
  return { action: new URL(decode(action), pageUrl).href, fields };
}

/** A provider at `issuer` that knows the app as a confidential client and PEOPLE as its accounts. */
async function makeProvider(issuer: string, appUrl: string, configuration: Record<string, unknown> = {}) {
  const { default: Provider } = (await import("oidc-provider" as string)) as ProviderModule;
  return new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${appUrl}/auth/oidc/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    async findAccount(_ctx: unknown, sub: string) {
      const person = PEOPLE[sub];
      return person && { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ["a-cookie-signing-key-for-this-test"] },
    // Lifetimes of its own, so the provider does not remark on its defaults in the test output.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    ...configuration,
  });
}

let repo: MemoryAccountRepository;
let organisation: Organisation;
let admin: User;
let appServer: Server;
let providerServer: Server;
let appUrl: string;
let issuer: string;
let app: ReturnType<typeof createApp>;
/** What the provider's address answers: nothing useful until the provider is "up" (the first test needs it down). */
let providerHandler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
  res.writeHead(502).end("the provider is down");
};
let startProvider: () => void;
const defaultAppUrl = () => appUrl;
const logged: string[] = [];

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  repo = new MemoryAccountRepository();
  organisation = { id: randomUUID(), name: "St Elsewhere Hospital", createdAt: STAMP, ssoRole: "trainer" };
  admin = { id: randomUUID(), email: "ada@example.org", name: "Ada Admin", memberships: [{ organisationId: organisation.id, role: "admin" }], createdAt: STAMP };
  await repo.setUp(organisation, admin);

  // The provider's address first (the app must know its issuer), the app's next (the provider must know its callback).
  providerServer = createServer((req, res) => providerHandler(req, res));
  issuer = await listen(providerServer);
  const oidc = new OpenIdConnectSignIn({
    issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    label: "Sign in with the test provider",
    accounts: repo,
    allowHttpIssuerOnLoopback: true,
    log: (message) => logged.push(message),
  });
  app = createApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), accounts: repo, oidc, log: () => {} });
  appServer = createServer(app);
  appUrl = await listen(appServer);

  const provider = await makeProvider(issuer, appUrl, {
    // The claims go in the ID token (as most providers do for the code flow), which is where the app reads them.
    conformIdTokenClaims: false,
  });
  startProvider = () => {
    providerHandler = provider.callback();
  };
}, 60_000);

async function close(...servers: (Server | undefined)[]): Promise<void> {
  for (const server of servers) {
    if (!server) continue;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

afterAll(() => close(appServer, providerServer));

/**
 * From the app's sign-in button to the provider's answer: follows redirects, signs in on the provider's login page
 * and consents. Resolves with the app's callback address, not yet opened (a test may tamper with it first).
 */
async function throughProvider(browser: Browser, login: string, next = "/curricula", options: { cancel?: boolean; app?: string } = {}): Promise<string> {
  const appUrl = options.app ?? defaultAppUrl();
  let url = `${appUrl}/auth/oidc/start?next=${encodeURIComponent(next)}`;
  let res = await browser.fetch(url);
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url).href;
      if (url.startsWith(`${appUrl}/auth/oidc/callback`)) return url;
      res = await browser.fetch(url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`the provider answered ${res.status} at ${url}:\n${html.slice(0, 2000)}`);
    if (options.cancel) {
      // The login page's "[ Cancel ]" link: the provider answers the app with error=access_denied.
      const abort = /href="([^"]*abort[^"]*)"/.exec(html)?.[1];
      if (!abort) throw new Error("no cancel link on the provider's page");
      res = await browser.fetch(new URL(decode(abort), url).href);
      continue;
    }
    const form = readForm(html, url);
    const fields = /name="login"/.test(html) ? { ...form.fields, login, password: "anything" } : form.fields;
    res = await browser.fetch(form.action, { form: fields });
  }
  throw new Error("the provider never sent the browser back to the app");
}

/** Opens the callback as the browser would; resolves with the response and the session cookie it set, if any. */
async function complete(browser: Browser, callbackUrl: string, headers: Record<string, string> = {}): Promise<{ res: Response; sid: string | undefined }> {
  const res = await browser.fetch(callbackUrl, { headers });
  return { res, sid: browser.cookie(new URL(callbackUrl).origin, "sid") };
}

async function me(sid: string, base = appUrl): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/me`, { headers: { cookie: `sid=${sid}` } });
  return { status: res.status, body: await res.json() };
}

function withParam(url: string, name: string, value: string | undefined): string {
  const u = new URL(url);
  if (value === undefined) u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  return u.href;
}

describe("single sign-on through an OpenID Connect provider", () => {
  // First, while the provider is still down: discovery has not succeeded yet (once it has, it is kept).
  test("when the provider cannot be reached, then the sign-in answers 503 with Retry-After, and the next one tries again", async () => {
    const down = await fetch(`${appUrl}/auth/oidc/start?next=/`, { redirect: "manual", headers: { accept: "application/json" } });
    expect(down.status).toBe(503);
    expect(Number(down.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await down.json()).toEqual({ error: { code: "sso_unavailable", message: expect.stringMatching(/cannot be reached/), issues: [] } });
    expect(logged.some((m) => m.includes("discovery"))).toBe(true);

    startProvider();
    const up = await fetch(`${appUrl}/auth/oidc/start?next=/`, { redirect: "manual" });
    expect(up.status).toBe(303);
    expect(new URL(up.headers.get("location")!).origin).toBe(issuer);
  }, 60_000);

  test("when sign-in starts, then the browser goes to the provider with PKCE (S256), state, nonce and the scopes, holding only a random key in a short-lived cookie", async () => {
    const res = await fetch(`${appUrl}/auth/oidc/start?next=${encodeURIComponent("/curricula")}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("response_type")).toBe("code");
    expect(location.searchParams.get("client_id")).toBe(CLIENT.id);
    expect(location.searchParams.get("redirect_uri")).toBe(`${appUrl}/auth/oidc/callback`);
    expect(location.searchParams.get("scope")).toBe("openid email profile");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("state")).toBeTruthy();
    expect(location.searchParams.get("nonce")).toBeTruthy();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("oidc_flow="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/auth\/oidc/);
    expect(cookie).toMatch(/Max-Age=600/);
    // Nothing of the flow's secrets is in the cookie: the verifier, state and nonce stay on the server.
    const value = /^oidc_flow=([^;]*)/.exec(cookie)![1]!;
    expect(value).not.toContain(location.searchParams.get("state"));
    expect(res.headers.get("cache-control")).toBe("no-store");
  }, 60_000);

  test("when a new person signs in, then they get an account with the organisation's SSO role, a working session, and the audit log says so", async () => {
    const browser = new Browser();
    const callback = await throughProvider(browser, "nia", "/scenarios?sector=healthcare");
    const { res, sid } = await complete(browser, callback);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/scenarios?sector=healthcare");
    expect(sid).toMatch(/^pss_/);
    const sidCookie = res.headers.getSetCookie().find((c) => c.startsWith("sid="))!;
    expect(sidCookie).toMatch(/HttpOnly/i);
    expect(sidCookie).toMatch(/SameSite=Lax/i);

    const who = await me(sid!);
    expect(who.status).toBe(200);
    expect(who.body.user.email).toBe("nia.newcomer@example.org");
    expect(who.body.user.name).toBe("Nia Newcomer");
    expect(who.body.organisation).toEqual({ id: organisation.id, name: organisation.name });
    expect(who.body.role).toBe("trainer");

    // The page the browser is sent to opens signed in.
    const page = await browser.fetch(`${appUrl}/scenarios?sector=healthcare`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Nia Newcomer");

    const user = (await repo.findUserByEmail("nia.newcomer@example.org"))!;
    expect(user.passwordHash).toBeUndefined();
    const audit = await repo.listAudit({ organisationId: organisation.id });
    expect(audit).toContainEqual(expect.objectContaining({ action: "member-added", actor: expect.objectContaining({ via: "sso" }), target: expect.objectContaining({ id: user.id }) }));
    expect(audit).toContainEqual(expect.objectContaining({ action: "sign-in", actor: expect.objectContaining({ email: user.email, via: "sso" }), target: expect.objectContaining({ id: user.id }) }));
  }, 60_000);

  test("when the same person signs in again, then it is the same account (no second one, no second membership)", async () => {
    const browser = new Browser();
    const { res, sid } = await complete(browser, await throughProvider(browser, "nia"));
    expect(res.status).toBe(303);
    const who = await me(sid!);
    const user = (await repo.findUserByEmail("nia.newcomer@example.org"))!;
    expect(who.body.user.id).toBe(user.id);
    expect(user.memberships).toEqual([{ organisationId: organisation.id, role: "trainer" }]);
    const added = (await repo.listAudit({ organisationId: organisation.id, action: "member-added" })).filter((e) => e.target?.id === user.id);
    expect(added).toHaveLength(1);
  }, 60_000);

  test("when the admin's email signs in through the provider, then it is the admin's own account with its admin role, unchanged", async () => {
    const browser = new Browser();
    const { res, sid } = await complete(browser, await throughProvider(browser, "ada"));
    expect(res.status).toBe(303);
    const who = await me(sid!);
    expect(who.status).toBe(200);
    expect(who.body.user).toEqual({ id: admin.id, email: admin.email, name: "Ada Admin" });
    expect(who.body.role).toBe("admin");
    const audit = await repo.listAudit({ organisationId: organisation.id, action: "sign-in" });
    expect(audit).toContainEqual(expect.objectContaining({ actor: expect.objectContaining({ email: admin.email, via: "sso" }), target: expect.objectContaining({ id: admin.id }), detail: "Through single sign-on" }));
  }, 60_000);

  test("when no organisation chose a role for newcomers, then a new person gets an account with no organisation and sees only the library", async () => {
    await repo.updateOrganisation({ id: organisation.id, name: organisation.name, createdAt: organisation.createdAt });
    try {
      const browser = new Browser();
      const { res, sid } = await complete(browser, await throughProvider(browser, "noel"));
      expect(res.status).toBe(303);
      const who = await me(sid!);
      expect(who.status).toBe(200);
      // No name claim: the email stands in.
      expect(who.body.user).toEqual(expect.objectContaining({ email: "noel@example.org", name: "noel@example.org" }));
      expect(who.body.role).toBeNull();
      expect(who.body.organisations).toEqual([]);
      const curricula = await fetch(`${appUrl}/api/curricula`, { headers: { cookie: `sid=${sid}` } });
      expect(curricula.status).toBe(403);
    } finally {
      await repo.updateOrganisation(organisation);
    }
  }, 60_000);

  test("when the provider has not verified the email, then sign-in is refused with 403, no session and no account", async () => {
    const browser = new Browser();
    const callback = await throughProvider(browser, "uma");
    const { res, sid } = await complete(browser, callback, { accept: "application/json" });
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body.error.message).toMatch(/your provider did not confirm your email address/i);
    expect(sid).toBeUndefined();
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sid="))).toBe(false);
    expect(await repo.findUserByEmail("uma@example.org")).toBeUndefined();
  }, 60_000);

  test("when a browser asks for a page, then refusals are the app's error page, not a stack trace", async () => {
    const browser = new Browser();
    const { res } = await complete(browser, await throughProvider(browser, "uma"), { accept: "text/html" });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toMatch(/your provider did not confirm your email address/i);
    expect(html).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);

  test("when the state is tampered with or missing, then the callback is a 400 and signs no one in; the flow cannot be replayed either", async () => {
    for (const state of ["tampered-state", undefined]) {
      const browser = new Browser();
      const callback = await throughProvider(browser, "ada");
      const { res, sid } = await complete(browser, withParam(callback, "state", state), { accept: "application/json" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error).toEqual(expect.objectContaining({ code: "sso_state_mismatch", message: expect.stringMatching(/state is missing or different/) }));
      expect(sid).toBeUndefined();
      // The pending sign-in was used up by the forged answer: the genuine one is refused too, and must start again.
      const genuine = await complete(browser, callback);
      expect(genuine.res.status).toBe(400);
      expect(genuine.sid).toBeUndefined();
    }
  }, 60_000);

  test("when the callback arrives in a browser that did not start the sign-in (login CSRF), then it is a 400", async () => {
    const attacker = new Browser();
    const callback = await throughProvider(attacker, "uma");
    const victim = new Browser();
    const { res, sid } = await complete(victim, callback, { accept: "application/json" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/not started in this browser/);
    expect(sid).toBeUndefined();
  }, 60_000);

  test("when a callback is opened twice, then the second is a 400", async () => {
    const browser = new Browser();
    const callback = await throughProvider(browser, "ada");
    expect((await complete(browser, callback)).res.status).toBe(303);
    // The pending sign-in was used up (and its cookie cleared): a replayed answer finds nothing to complete.
    const again = await browser.fetch(callback, { headers: { accept: "application/json" } });
    expect(again.status).toBe(400);
  }, 60_000);

  test("when the code cannot be exchanged, then it is a 401 'single sign-on failed', logged, with no session", async () => {
    const browser = new Browser();
    const callback = await throughProvider(browser, "ada");
    const before = logged.length;
    const { res, sid } = await complete(browser, withParam(callback, "code", "not-a-real-code"), { accept: "application/json" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error).toEqual(expect.objectContaining({ code: "sso_failed", message: expect.stringMatching(/single sign-on failed/i) }));
    expect(sid).toBeUndefined();
    expect(logged.slice(before).some((m) => /single sign-on failed/i.test(m))).toBe(true);
  }, 60_000);

  test("when the person cancels at the provider, then the callback is a 401 saying so", async () => {
    const browser = new Browser();
    const callback = await throughProvider(browser, "ada", "/", { cancel: true });
    expect(new URL(callback).searchParams.get("error")).toBe("access_denied");
    const { res, sid } = await complete(browser, callback, { accept: "application/json" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error).toEqual(expect.objectContaining({ code: "sso_refused", message: expect.stringMatching(/cancelled the sign-in/) }));
    expect(sid).toBeUndefined();
  }, 60_000);

  test("when `next` points elsewhere, then the person lands on this site's home page", async () => {
    const browser = new Browser();
    const { res } = await complete(browser, await throughProvider(browser, "ada", "//evil.example/phish"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
  }, 60_000);
});

describe("single sign-on before set-up", () => {
  test("when no account exists yet, then single sign-on refuses to start (the set-up page makes the first admin)", async () => {
    const empty = new MemoryAccountRepository();
    const oidc = new OpenIdConnectSignIn({ issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret, label: "SSO", accounts: empty, log: () => {} });
    const fresh = createApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), accounts: empty, oidc, log: () => {} });
    const res = await request(fresh).get("/auth/oidc/start").set("Accept", "application/json").expect(409);
    expect(res.body.error.code).toBe("setup_required");
    expect(await empty.countUsers()).toBe(0);
  });

  test("when the issuer is plain http on another host, then it is refused when made (before anyone signs in)", () => {
    expect(() => new OpenIdConnectSignIn({ issuer: "http://idp.example.org", clientId: "x", clientSecret: "y", label: "SSO", accounts: new MemoryAccountRepository() })).toThrow(/https/);
    expect(() => new OpenIdConnectSignIn({ issuer: "http://127.0.0.1:9", clientId: "x", clientSecret: "y", label: "SSO", accounts: new MemoryAccountRepository(), allowHttpIssuerOnLoopback: false })).toThrow(/https/);
  });
});

describe("a provider that keeps the scopes' claims out of the ID token", () => {
  let accounts: MemoryAccountRepository;
  let web: Server;
  let idp: Server;
  let base: string;

  beforeAll(async () => {
    accounts = new MemoryAccountRepository();
    const clinic: Organisation = { id: randomUUID(), name: "Riverside Clinic", createdAt: STAMP, ssoRole: "manager" };
    await accounts.setUp(clinic, { id: randomUUID(), email: "boss@example.org", name: "Bo Boss", memberships: [{ organisationId: clinic.id, role: "admin" }], createdAt: STAMP });
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(502).end();
    idp = createServer((req, res) => handler(req, res));
    const idpIssuer = await listen(idp);
    const oidc = new OpenIdConnectSignIn({ issuer: idpIssuer, clientId: CLIENT.id, clientSecret: CLIENT.secret, label: "SSO", accounts, log: () => {} });
    web = createServer(createApp({ catalog: await realCatalog(), store: new MemoryCurriculumRepository(), accounts, oidc, log: () => {} }));
    base = await listen(web);
    // oidc-provider's default (conformIdTokenClaims): with an access token issued, email and name are only at UserInfo.
    handler = (await makeProvider(idpIssuer, base)).callback();
  }, 60_000);

  afterAll(() => close(web, idp));

  test("when the ID token has no email, then the app reads it from UserInfo and signs the person in", async () => {
    const browser = new Browser();
    const { res, sid } = await complete(browser, await throughProvider(browser, "nia", "/", { app: base }));
    expect(res.status).toBe(303);
    const who = await me(sid!, base);
    expect(who.body.user).toEqual(expect.objectContaining({ email: "nia.newcomer@example.org", name: "Nia Newcomer" }));
    expect(who.body.role).toBe("manager");
  }, 60_000);

  test("when UserInfo says the email is not verified, then it is still refused", async () => {
    const browser = new Browser();
    const { res, sid } = await complete(browser, await throughProvider(browser, "uma", "/", { app: base }), { accept: "application/json" });
    expect(res.status).toBe(403);
    expect(sid).toBeUndefined();
  }, 60_000);
});
