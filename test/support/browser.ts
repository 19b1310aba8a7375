import puppeteer, { type Browser } from "puppeteer";

/** Debian's Chromium, as the app uses it (no downloaded browser). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  const args = [...extraArgs, "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  return puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium", headless: true, args });
}
