import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { readConfig } from "./config.js";
import { formatPath } from "./content/content-error.js";
import { ContentError, loadCatalog } from "./content/index.js";
import { courseSpecSchemaFor } from "./domain/index.js";
import { plan, PlanningError } from "./planner/index.js";

const USAGE = `Usage:
  npm run cli -- generate --spec FILE [--out FILE]   plan a curriculum from a course spec (JSON); prints it when no --out
  npm run cli -- --help

Course spec fields: title, sector, tiers, totalHours, practicalShare, startDate, days, dayStart, maxHoursPerDay,
timezone, groupSize, focusDomains (see README). Examples: curricula/examples/*.json`;

/** A failure to report to the user in one line, with the exit code to use. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

async function readSpecFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `The spec file ${path} does not exist.` : `The spec file ${path} cannot be read (${code}).`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`The spec file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function generate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { spec: { type: "string" }, out: { type: "string" } }, strict: true });
  if (!values.spec) throw new CliError(`generate needs --spec FILE.\n\n${USAGE}`, 2);
  const catalog = await loadCatalog(readConfig().contentDir);
  const raw = await readSpecFile(values.spec);
  const parsed = courseSpecSchemaFor(catalog.ids).safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${formatPath(i.path) || "(spec)"}: ${i.message}`);
    throw new CliError(`The spec in ${values.spec} is not valid:\n${lines.join("\n")}`);
  }
  const curriculum = plan(parsed.data, catalog, { id: randomUUID(), now: new Date() });
  const json = JSON.stringify(curriculum, null, 2) + "\n";
  if (!values.out) {
    process.stdout.write(json);
    return;
  }
  await writeFile(values.out, json);
  const { totals } = curriculum;
  console.log(
    `Wrote ${values.out}: ${curriculum.sessions.length} sessions over ${curriculum.days.length} day(s), ` +
      `${totals.contactMinutes / 60} contact hours, ${Math.round(totals.practicalShare * 100)}% practical.`,
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "generate":
      return generate(rest);
    case undefined:
    case "--help":
    case "help":
      console.log(USAGE);
      return;
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  if (error instanceof PlanningError || error instanceof ContentError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error("Unexpected failure:", error);
  process.exit(1);
});
