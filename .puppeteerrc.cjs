/**
 * Puppeteer uses Debian's Chromium (installed by `npm run setup`), never a downloaded browser:
 * the machines this runs on reach only the npm registry and Debian's packages.
 * @type {import("puppeteer").Configuration}
 */
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
};
