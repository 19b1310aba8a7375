import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { projectRoot, readConfig } from "./config.js";
import { PdfRenderer } from "./render/pdf-renderer.js";
import { PrintDocuments } from "./render/print-documents.js";
import { LowdbCurriculumRepository, MigrationError, PostgresStore, StoreCorruptError, StoreLockedError, StoreUnavailableError } from "./store/index.js";
import { ACCOUNT_USAGE, accountCommand, CliUsageError } from "./cli-accounts.js";
import { EXPORT_FORMATS } from "./exports/registry.js";
import { STORE_USAGE, storeCommand } from "./cli-store.js";
import { formatPath } from "./content/content-error.js";
import { ContentError, loadCatalog } from "./content/index.js";
import { courseSpecSchemaFor, matchesScenarioFilter } from "./domain/index.js";
import { CalendarOverflowError, plan, PlanningError } from "./planner/index.js";

const USAGE = `Usage:
  npm run cli -- generate --spec FILE [--out FILE]   plan a curriculum from a course spec (JSON); prints it when no --out
  npm run cli -- export --id ID --pdf syllabus|guide --out FILE [--paper a4|letter]
  npm run cli -- export [--id ID] --format FORMAT --out FILE [--option key=value ...]
                                                     any export (formats: GET /api/exports, or an unknown --format
                                                     lists them); framework exports need no --id
                                                     print a stored curriculum (from CURRICULA_DIR) as a PDF
  npm run cli -- scenario-pack --sector SECTOR --out FILE [--edition trainer|participant] [--tier LEVEL]
                               [--competency ID] [--paper a4|letter]
${ACCOUNT_USAGE}
${STORE_USAGE}
  npm run cli -- db migrate                          bring the PostgreSQL schema (DATABASE_URL) up to date
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
  let curriculum;
  try {
    curriculum = plan(parsed.data, catalog, { id: randomUUID(), now: new Date() });
  } catch (error) {
    if (error instanceof CalendarOverflowError) throw new CliError(`The spec in ${values.spec} is not valid:\n  ${error.field}: ${error.message}`);
    throw error;
  }
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

/** Renders one document with a short-lived Chromium and writes it. */
async function writePdf(html: string, paper: "a4" | "letter", out: string): Promise<void> {
  const renderer = new PdfRenderer({ executablePath: readConfig().chromiumPath, concurrency: 1, maxQueue: 0 });
  try {
    const pdf = await renderer.render({ html, paper });
    await writeFile(out, pdf);
    console.log(`Wrote ${out} (${Math.round(pdf.length / 1024)} KiB).`);
  } finally {
    await renderer.close();
  }
}

const paperOf = (value: string | undefined): "a4" | "letter" => {
  if (value === undefined || value === "a4" || value === "letter") return value ?? "a4";
  throw new CliError(`--paper must be a4 or letter, not "${value}".`, 2);
};

/** `export --format F`: any format of the registry, for a stored curriculum (or the framework, with no --id). */
async function exportFormat(values: { id?: string; format: string; out?: string; option?: string[] }): Promise<void> {
  const format = EXPORT_FORMATS.find((f) => f.id === values.format);
  if (!format) throw new CliError(`Unknown export format "${values.format}"; formats: ${EXPORT_FORMATS.map((f) => f.id).join(", ")}.`, 2);
  if (!values.out) throw new CliError(`export needs --out FILE.\n\n${USAGE}`, 2);
  if (format.scope === "curriculum" && !values.id) throw new CliError(`The ${format.id} export is of one curriculum: give --id ID.`, 2);
  // --option key=value, as the API takes them in the query (e.g. --option events=blocks).
  const query = Object.fromEntries((values.option ?? []).map((o) => [o.split("=")[0], o.split("=").slice(1).join("=")]));
  const parsed = format.options ? format.options.safeParse(query) : { success: true as const, data: {} };
  if (!parsed.success) throw new CliError(`The options are not valid: ${parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ")}.`, 2);
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const curriculum = format.scope === "curriculum" ? await storedCurriculum(values.id!) : undefined;
  const documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
  const renderer = new PdfRenderer({ executablePath: config.chromiumPath, concurrency: 1, maxQueue: 4 });
  try {
    const body = await format.build({ catalog, documents, curriculum, options: parsed.data, pdf: (html, paper) => renderer.render({ html, paper }) });
    await writeFile(values.out, body);
    console.log(`Wrote ${values.out} (${format.title}, ${Math.max(1, Math.round(body.length / 1024))} KiB).`);
  } finally {
    await renderer.close();
  }
}

/** A curriculum from the store the server uses (PostgreSQL with DATABASE_URL, read-only from the embedded folder otherwise). */
async function storedCurriculum(id: string) {
  const config = readConfig();
  let curriculum;
  if (config.databaseUrl) {
    const { store } = await PostgresStore.open(config.databaseUrl, { migrate: false });
    try {
      curriculum = await store.curricula.get(id);
    } finally {
      await store.close();
    }
  } else curriculum = await LowdbCurriculumRepository.readOne(config.curriculaDir, id);
  if (!curriculum) throw new CliError(`No curriculum ${id} in ${config.databaseUrl ? "the database" : config.curriculaDir}.`);
  return curriculum;
}

async function exportPdf(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { id: { type: "string" }, pdf: { type: "string" }, format: { type: "string" }, option: { type: "string", multiple: true }, out: { type: "string" }, paper: { type: "string" } }, strict: true });
  if (values.format) return exportFormat({ ...values, format: values.format });
  if (!values.id || !values.out || (values.pdf !== "syllabus" && values.pdf !== "guide")) throw new CliError(`export needs --id ID --pdf syllabus|guide --out FILE, or --format FORMAT --out FILE.\n\n${USAGE}`, 2);
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const curriculum = await storedCurriculum(values.id);
  const documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
  const paper = paperOf(values.paper);
  await writePdf(values.pdf === "syllabus" ? documents.syllabus(curriculum, paper) : documents.facilitatorGuide(curriculum, paper), paper, values.out);
}

async function scenarioPack(args: string[]): Promise<void> {
  const options = { sector: { type: "string" }, edition: { type: "string" }, tier: { type: "string" }, competency: { type: "string" }, out: { type: "string" }, paper: { type: "string" } } as const;
  const { values } = parseArgs({ args, options, strict: true });
  const catalog = await loadCatalog(readConfig().contentDir);
  if (!values.sector || !values.out) throw new CliError(`scenario-pack needs --sector SECTOR --out FILE.\n\n${USAGE}`, 2);
  if (!catalog.sector(values.sector)) throw new CliError(`Unknown sector "${values.sector}"; sectors: ${catalog.ids.sectors.join(", ")}.`);
  const edition = values.edition ?? "trainer";
  if (edition !== "trainer" && edition !== "participant") throw new CliError(`--edition must be trainer or participant, not "${edition}".`, 2);
  if (values.tier && !catalog.tier(values.tier)) throw new CliError(`Unknown ERNST level "${values.tier}"; levels: ${catalog.ids.tiers.join(", ")}.`);
  if (values.competency && !catalog.competency(values.competency)) throw new CliError(`Unknown competency "${values.competency}".`);
  const scenarios = catalog.scenarios.filter((s) => matchesScenarioFilter(s, { sector: values.sector, tier: values.tier, competency: values.competency }));
  if (scenarios.length === 0) throw new CliError("No scenario matches these filters.");
  const paper = paperOf(values.paper);
  const documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
  await writePdf(documents.scenarioPack(values.sector, scenarios, edition, paper), paper, values.out);
}

/** `db migrate`: what start-up does, for operators who migrate ahead of a deployment. */
async function dbCommand(args: string[]): Promise<void> {
  if (args[0] !== "migrate" || args.length > 1) throw new CliError(`Unknown db command.\n\n${USAGE}`, 2);
  const { databaseUrl } = readConfig();
  if (!databaseUrl) throw new CliError("db migrate needs DATABASE_URL (postgres://...): the embedded store has no schema to migrate.", 2);
  const { store, applied } = await PostgresStore.open(databaseUrl);
  await store.close();
  console.log(applied.length ? `Applied ${applied.join(", ")}.` : "The schema is up to date.");
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "generate":
      return generate(rest);
    case "export":
      return exportPdf(rest);
    case "scenario-pack":
      return scenarioPack(rest);
    case "users":
    case "tokens":
      return accountCommand(command, rest);
    case "store":
      return storeCommand(rest);
    case "db":
      return dbCommand(rest);
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
  if (error instanceof CliError || error instanceof CliUsageError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  if (error instanceof PlanningError || error instanceof ContentError || error instanceof StoreLockedError || error instanceof StoreCorruptError || error instanceof MigrationError || error instanceof StoreUnavailableError) {
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
