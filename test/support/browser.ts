import puppeteer, { type Browser, type Page } from "puppeteer";

/** Debian's Chromium, as the app uses it (no downloaded browser). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  const args = [...extraArgs, "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  return puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium", headless: true, args });
}

/** How long a test waits for a page to load or an element to appear before failing (never hanging). */
export const BROWSER_WAIT_MS = 15_000;

/**
 * Signs in through the sign-in page as a person would (email, password, the button) and waits for the page it leads
 * to. Fails, rather than hangs, when the page does not come, and says so when the sign-in was refused.
 */
export async function signInInBrowser(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`, { waitUntil: "load", timeout: BROWSER_WAIT_MS });
  await page.waitForSelector("#email", { timeout: BROWSER_WAIT_MS });
  await page.type("#email", email);
  await page.type("#password", password);
  await Promise.all([page.waitForNavigation({ waitUntil: "load", timeout: BROWSER_WAIT_MS }), page.click("form[action='/sign-in'] button[type=submit]")]);
  if (new URL(page.url()).pathname === "/sign-in") {
    const message = await page.$eval("#error-summary", (el) => el.textContent ?? "").catch(() => "");
    throw new Error(`signing in as ${email} failed: ${message || "still on the sign-in page"}`);
  }
}
