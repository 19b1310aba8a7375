import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer";
import { BROWSER_WAIT_MS, launchBrowser, signInInBrowser } from "../support/browser.js";
import { provisionAccount, startServer, type RunningServer } from "../support/server.js";

let server: RunningServer;
let browser: Browser;
let page: Page;
let dir: string;
let axeSource: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "e2e-"));
  const account = provisionAccount(dir);
  server = await startServer(dir);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(BROWSER_WAIT_MS);
  await signInInBrowser(page, server.url, account.email, account.password);
  // The app's CSP rightly blocks injected scripts; the test lifts it only to run the axe-core checker.
  await page.setBypassCSP(true);
  axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs axe-core on the current page against WCAG 2.x A and AA and returns the violations. */
async function accessibilityViolations(): Promise<{ id: string; help: string; nodes: number }[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; help: string; nodes: unknown[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  });
}

async function typeInto(selector: string, value: string): Promise<void> {
  await page.$eval(selector, (el) => ((el as HTMLInputElement).value = ""));
  await page.type(selector, value);
}

describe("a training designer in the browser", () => {
  test("when filling the form, meeting an error, fixing it, reading the curriculum and editing it, then each step works and is accessible", async () => {
    await page.goto(`${server.url}/curricula/new`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
    expect(await accessibilityViolations()).toEqual([]);

    await typeInto("#field-title", "<i>Custody</i> peer supporters");
    await page.click("#sector-police");
    await page.click("#tier-clinical-support");
    await typeInto("#field-totalHours", "3");
    await Promise.all([page.waitForNavigation({ timeout: BROWSER_WAIT_MS }), page.click("button[type=submit].button")]);

    // The form comes back with the error beside the field and in a summary that takes the focus.
    expect(await page.$eval("#totalHours-error", (el) => el.textContent)).toContain("must be at least 4 hours");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("error-summary");
    expect(await page.$eval("#field-title", (el) => (el as HTMLInputElement).value)).toBe("<i>Custody</i> peer supporters");
    expect(await accessibilityViolations()).toEqual([]);

    await typeInto("#field-totalHours", "12");
    await Promise.all([page.waitForNavigation({ timeout: BROWSER_WAIT_MS }), page.click("button[type=submit].button")]);
    expect(page.url()).toMatch(/\/curricula\/[0-9a-f-]{36}$/);
    expect(await page.$eval("h1", (el) => el.textContent)).toBe("<i>Custody</i> peer supporters");
    expect(await page.$$eval("h1 i", (els) => els.length)).toBe(0);
    const sessionCards = await page.$$eval(".session-card h3", (els) => els.map((e) => e.textContent ?? ""));
    expect(sessionCards.length).toBeGreaterThan(5);
    expect(await page.$eval(".summary", (el) => el.textContent)).toMatch(/Police/);
    expect(await accessibilityViolations()).toEqual([]);

    await Promise.all([page.waitForNavigation({ timeout: BROWSER_WAIT_MS }), page.click("a[href$='/edit']")]);
    const secondTitle = sessionCards[1]!.replace(/^\d+\.\s*/, "");
    await Promise.all([page.waitForNavigation({ timeout: BROWSER_WAIT_MS }), page.click(".edit-item:nth-child(2) button[value^='down:']")]);
    expect(await page.$eval("[role=status]", (el) => el.textContent)).toContain("Saved");
    const order = await page.$$eval(".edit-item legend", (els) => els.map((e) => e.textContent ?? ""));
    expect(order[2]).toContain(secondTitle);
    expect(await accessibilityViolations()).toEqual([]);
  }, 60_000);
});
