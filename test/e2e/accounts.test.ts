import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, HTTPResponse, Page } from "puppeteer";
import { BROWSER_WAIT_MS, launchBrowser, signInInBrowser } from "../support/browser.js";
import { startServer, type RunningServer } from "../support/server.js";

/**
 * Accounts end to end, in Chromium against the real server on an empty store: the first run's set-up page, a course,
 * a share link opened by someone with no account, signing out and in, revoking the link, and the sign-in page's
 * refusals. The tests run in order and build on each other (one installation, one story).
 */

jest.setTimeout(120_000);

const ADMIN = { organisation: "St Elsewhere Hospital", name: "Ada Administrator", email: "ada@example.org", password: "a phrase of several words" };

let server: RunningServer;
let browser: Browser;
let page: Page;
let dir: string;
/** Contexts opened by a test (incognito): closed after all. */
const contexts: BrowserContext[] = [];

/** Set as the story goes on. */
let curriculumUrl = "";
let courseTitle = "";
let shareUrl = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "e2e-accounts-"));
  server = await startServer(dir);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(BROWSER_WAIT_MS);
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh incognito context's page: no cookies shared with the signed-in one. */
async function signedOutPage(): Promise<Page> {
  const context = await browser.createBrowserContext();
  contexts.push(context);
  const fresh = await context.newPage();
  fresh.setDefaultTimeout(BROWSER_WAIT_MS);
  return fresh;
}

/** Clicks what submits a form and waits for the page it leads to. */
async function submit(on: Page, selector: string): Promise<HTTPResponse | null> {
  const [response] = await Promise.all([on.waitForNavigation({ waitUntil: "load", timeout: BROWSER_WAIT_MS }), on.click(selector)]);
  return response;
}

async function typeInto(on: Page, selector: string, value: string): Promise<void> {
  await on.waitForSelector(selector, { timeout: BROWSER_WAIT_MS });
  await on.$eval(selector, (el) => ((el as HTMLInputElement).value = ""));
  await on.type(selector, value);
}

/** Fetches from inside a page (its cookies, its origin): the status, the content type and the body's first bytes. */
function fetchIn(on: Page, url: string): Promise<{ status: number; type: string | null; head: string }> {
  return on.evaluate(async (target) => {
    const res = await fetch(target, { redirect: "manual" });
    const bytes = new Uint8Array(await res.arrayBuffer()).slice(0, 5);
    return { status: res.status, type: res.headers.get("content-type"), head: String.fromCharCode(...bytes) };
  }, url);
}

describe("accounts in the browser, from the first run", () => {
  test("(a) when the first person opens the app, then the set-up page makes the administrator and the organisation and signs them in", async () => {
    const landed = await page.goto(`${server.url}/`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(landed?.request().redirectChain()[0]?.response()?.status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe("/setup");
    // Nobody is signed in yet: the header has no one's name and no sign-out.
    expect(await page.$("form[action='/sign-out']")).toBeNull();

    await typeInto(page, "#organisationName", ADMIN.organisation);
    await typeInto(page, "#name", ADMIN.name);
    await typeInto(page, "#email", ADMIN.email);
    await typeInto(page, "#password", ADMIN.password);
    await typeInto(page, "#confirm", ADMIN.password);
    await submit(page, "form[action='/setup'] button[type=submit]");

    expect(new URL(page.url()).pathname).toBe("/");
    await page.waitForSelector(".site-header .who", { timeout: BROWSER_WAIT_MS });
    expect(await page.$eval(".site-header .who a[href='/account']", (el) => el.textContent?.trim())).toBe(ADMIN.name);
    expect(await page.$eval(".site-header .who", (el) => el.textContent)).toContain(ADMIN.organisation);

    // The set-up page is done for good: it now leads to sign-in (here, signed in, to the home page).
    await page.goto(`${server.url}/setup`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(new URL(page.url()).pathname).not.toBe("/setup");
  });

  test("(b) when the administrator builds a course with the form's defaults, then its page opens", async () => {
    await page.goto(`${server.url}/curricula/new`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    await page.waitForSelector("form[action='/curricula'] button[type=submit]", { timeout: BROWSER_WAIT_MS });
    await submit(page, "form[action='/curricula'] button[type=submit]");

    expect(page.url()).toMatch(/\/curricula\/[0-9a-f-]{36}$/);
    curriculumUrl = page.url();
    courseTitle = await page.$eval("h1", (el) => el.textContent?.trim() ?? "");
    expect(courseTitle.length).toBeGreaterThan(0);
    await page.waitForSelector("#share-links form.share-form", { timeout: BROWSER_WAIT_MS });
  });

  test("(c) when a share link is made on the curriculum page, then its address is shown once", async () => {
    expect(curriculumUrl).not.toBe("");
    await typeInto(page, "#share-label", "Committee");
    const made = await submit(page, "#share-links form.share-form button[type=submit]");
    expect(made?.status()).toBe(201);
    await page.waitForSelector("p.secret", { timeout: BROWSER_WAIT_MS });
    shareUrl = await page.$eval("p.secret", (el) => el.textContent?.trim() ?? "");
    expect(shareUrl).toMatch(new RegExp(`^${server.url.replace(/\./g, "\\.")}/s/[^/\\s]+$`));

    // The curriculum page lists it (by its label, never its address).
    await page.goto(`${curriculumUrl}#share-links`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    const rows = await page.$$eval("#share-links tbody tr", (els) => els.map((e) => e.textContent ?? ""));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("Committee");
    expect(await page.$eval("#share-links", (el) => el.textContent)).not.toContain(shareUrl);
  });

  test("(d) when someone with no account opens the share link, then they read the course and its participant documents, and nothing else", async () => {
    expect(shareUrl).not.toBe("");
    const guest = await signedOutPage();
    const opened = await guest.goto(shareUrl, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(opened?.status()).toBe(200);
    expect(guest.url()).toBe(shareUrl);
    expect(await guest.$eval("h1", (el) => el.textContent?.trim())).toBe(courseTitle);

    const links = await guest.$$eval("main a", (els) => els.map((a) => ({ href: a.getAttribute("href") ?? "", text: a.textContent ?? "" })));
    const base = new URL(shareUrl).pathname;
    expect(links.map((l) => l.href)).toContain(`${base}/syllabus.pdf`);
    // No edit control, no facilitator material, no certificates, no way into the organisation's pages.
    expect(links.filter((l) => /edit/i.test(l.text) || /\/edit$/.test(l.href))).toEqual([]);
    expect(links.filter((l) => /facilitator/i.test(l.text) || /facilitator/.test(l.href))).toEqual([]);
    expect(links.filter((l) => l.href.startsWith("/curricula"))).toEqual([]);
    expect(await guest.$("form[action$='/certificates']")).toBeNull();
    expect(await guest.$("#cert-names")).toBeNull();
    expect(await guest.$("form[action='/sign-out']")).toBeNull();
    expect(await guest.$eval("main", (el) => el.textContent ?? "")).not.toMatch(/\bEdit\b/);

    const syllabus = await fetchIn(guest, `${shareUrl}/syllabus.pdf`);
    expect(syllabus.status).toBe(200);
    expect(syllabus.type).toMatch(/^application\/pdf/);
    expect(syllabus.head).toBe("%PDF-");

    const facilitatorKit = await fetchIn(guest, `${shareUrl}/kit.pdf?edition=facilitator`);
    expect([400, 404]).toContain(facilitatorKit.status);

    // The share link opens only its own pages: the curriculum's own page still wants a sign-in.
    await guest.goto(curriculumUrl, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(new URL(guest.url()).pathname).toBe("/sign-in");
  });

  test("(e) when the administrator signs out, then the curriculum page sends them to sign in and back", async () => {
    await page.goto(curriculumUrl, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    await page.waitForSelector("form[action='/sign-out'] button", { timeout: BROWSER_WAIT_MS });
    await submit(page, "form[action='/sign-out'] button");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await page.$("form[action='/sign-out']")).toBeNull();

    const res = await page.goto(curriculumUrl, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(res?.request().redirectChain()[0]?.response()?.status()).toBe(303);
    const landed = new URL(page.url());
    expect(landed.pathname).toBe("/sign-in");
    expect(landed.searchParams.get("next")).toBe(new URL(curriculumUrl).pathname);
  });

  test("(f) when the administrator signs in again and revokes the share link, then the link answers 404 at once", async () => {
    await signInInBrowser(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${curriculumUrl}#share-links`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    const revoke = "#share-links form[action*='/share-links/'][action$='/revoke'] button[type=submit]";
    await page.waitForSelector(revoke, { timeout: BROWSER_WAIT_MS });
    await submit(page, revoke);

    expect(new URL(page.url()).pathname).toBe(new URL(curriculumUrl).pathname);
    await page.waitForSelector("#share-links", { timeout: BROWSER_WAIT_MS });
    expect(await page.$(revoke)).toBeNull();
    expect(await page.$eval("#share-links tbody tr", (el) => el.textContent ?? "")).toContain("Committee");

    const guest = await signedOutPage();
    const gone = await guest.goto(shareUrl, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(gone?.status()).toBe(404);
    expect(await guest.$eval("main", (el) => el.textContent ?? "")).not.toContain(courseTitle);
    const pdf = await fetch(`${shareUrl}/syllabus.pdf`);
    expect(pdf.status).toBe(404);
  });

  test("(g) when a sign-in fails, then the message is the same whether the email has an account or not", async () => {
    const visitor = await signedOutPage();
    const attempt = async (email: string, password: string) => {
      await visitor.goto(`${server.url}/sign-in`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
      await typeInto(visitor, "#email", email);
      await typeInto(visitor, "#password", password);
      const res = await submit(visitor, "form[action='/sign-in'] button[type=submit]");
      await visitor.waitForSelector("#error-summary", { timeout: BROWSER_WAIT_MS });
      return { status: res?.status(), path: new URL(visitor.url()).pathname, message: await visitor.$eval("#error-summary", (el) => el.textContent?.trim() ?? "") };
    };

    const wrongPassword = await attempt(ADMIN.email, "not the right password at all");
    const unknownEmail = await attempt("nobody@example.org", "not the right password at all");
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.path).toBe("/sign-in");
    expect(wrongPassword.message.length).toBeGreaterThan(0);
    expect(unknownEmail).toEqual(wrongPassword);
    expect(wrongPassword.message).not.toMatch(/no account (for|with)|unknown|not found|wrong password|incorrect password|not registered/i);
    expect(await visitor.$("form[action='/sign-out']")).toBeNull();
  });
});
