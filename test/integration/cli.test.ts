import { beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt, ROOT } from "../support/built.js";

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

let dir: string;
beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "cli-"));
}, 120_000);

describe("npm run cli -- generate", () => {
  test("when given an example spec, then it writes the curriculum and says what it wrote", async () => {
    const out = join(dir, "police.json");
    const run = cli("generate", "--spec", "curricula/examples/police-16h.json", "--out", out);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Wrote .*police\.json: \d+ sessions over \d+ day\(s\), 16 contact hours, 5\d% practical\./);
    const curriculum = JSON.parse(await readFile(out, "utf8"));
    expect(curriculum.spec.sector).toBe("police");
    expect(curriculum.totals.contactMinutes).toBe(960);
  });

  test("when the spec file is missing, then it says so and exits 1", () => {
    const run = cli("generate", "--spec", join(dir, "absent.json"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/absent\.json does not exist/);
  });

  test("when the spec file is not JSON, then it says so", async () => {
    await writeFile(join(dir, "broken.json"), "{ title: ");
    const run = cli("generate", "--spec", join(dir, "broken.json"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/broken\.json is not valid JSON/);
  });

  test("when the spec breaks rules, then each field and rule is listed", async () => {
    await writeFile(join(dir, "invalid.json"), JSON.stringify({ title: "x", sector: "police", totalHours: 4.25, startDate: "2027-01-04", days: ["funday"] }));
    const run = cli("generate", "--spec", join(dir, "invalid.json"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/totalHours: must be in steps of 0\.5 hours/);
    expect(run.err).toMatch(/days\[0\]: /);
  });

  test("when the hours are too few, then the message states the minimum", async () => {
    const all = ["prevention", "self-care", "peer-support", "professional-support", "clinical-support"];
    await writeFile(join(dir, "short.json"), JSON.stringify({ title: "x", sector: "military", tiers: all, totalHours: 4, practicalShare: 0.8, startDate: "2027-01-04" }));
    const run = cli("generate", "--spec", join(dir, "short.json"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/needs at least \d+(\.5)? hours/);
  });

  test("when no command is given, then usage is printed", () => {
    expect(cli("--help").out).toMatch(/generate --spec FILE/);
    expect(cli("frobnicate").code).toBe(2);
  });
});

describe("npm run cli -- export and scenario-pack", () => {
  test("when an export format is named, then the CLI writes that file for a stored curriculum, or for the framework", async () => {
    const { LowdbCurriculumRepository } = await import("../../src/store/index.js");
    const { realCatalog } = await import("../support/catalog.js");
    const { sampleCurriculum } = await import("../support/sample-curriculum.js");
    const storeDir = join(dir, "store-for-formats");
    const store = await LowdbCurriculumRepository.open(storeDir);
    const c = sampleCurriculum(await realCatalog(), { title: "Calendar course" });
    await store.create(c);
    await store.close();
    const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), "export", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CURRICULA_DIR: storeDir } });
    const ics = join(dir, "course.ics");
    const calendar = run("--id", c.id, "--format", "calendar", "--option", "events=blocks", "--out", ics);
    expect(calendar.stderr).toBe("");
    expect(calendar.stdout).toMatch(/^Wrote .*course\.ics \(Calendar/);
    const text = await readFile(ics, "utf8");
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(text).toContain("SUMMARY:Calendar course (day 1\\, part 1)");
    const framework = join(dir, "framework.csv");
    expect(run("--format", "moodle-competencies", "--out", framework).status).toBe(0);
    expect(await readFile(framework, "utf8")).toContain("Is framework");
    const wrong = run("--id", c.id, "--format", "nonsense", "--out", ics);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/Unknown export format "nonsense"; formats: imscc, syllabus-docx/);
    const badOption = run("--id", c.id, "--format", "calendar", "--option", "events=weekly", "--out", ics);
    expect(badOption.status).toBe(2);
    expect(badOption.stderr).toMatch(/events/);
  });

  test("when a stored curriculum is exported, then the PDF is written and reads back with its title", async () => {
    const { LowdbCurriculumRepository } = await import("../../src/store/index.js");
    const { realCatalog } = await import("../support/catalog.js");
    const { sampleCurriculum } = await import("../support/sample-curriculum.js");
    const { pdfText, qpdfCheck } = await import("../support/pdf-tools.js");
    const storeDir = join(dir, "store-for-export");
    const store = await LowdbCurriculumRepository.open(storeDir);
    const c = sampleCurriculum(await realCatalog(), { title: "Exported depot course" });
    await store.create(c);
    await store.close();
    const out = join(dir, "guide.pdf");
    const result = spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), "export", "--id", c.id, "--pdf", "guide", "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CURRICULA_DIR: storeDir },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const pdf = await readFile(out);
    expect(qpdfCheck(pdf).ok).toBe(true);
    expect(pdfText(pdf)).toContain("Exported depot course");
    expect(pdfText(pdf)).toContain("Preparation checklist");

    const missing = spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), "export", "--id", "00000000-0000-4000-8000-000000000000", "--pdf", "syllabus", "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CURRICULA_DIR: storeDir },
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No curriculum 00000000/);
  }, 60_000);

  test("when a participant scenario pack is asked for, then it is written without facilitator material", async () => {
    const { pdfText } = await import("../support/pdf-tools.js");
    const out = join(dir, "police-cards.pdf");
    const run = cli("scenario-pack", "--sector", "police", "--edition", "participant", "--out", out);
    expect(run.code).toBe(0);
    const text = pdfText(await readFile(out));
    expect(text).toContain("Your brief");
    expect(text).not.toContain("Observer checklist");
    expect(cli("scenario-pack", "--sector", "shipping", "--out", out).err).toMatch(/Unknown sector "shipping"/);
  }, 60_000);
});

describe("npm run cli -- users / tokens", () => {
  /** The CLI on a store folder, with standard input (a password, as scripts pass it). */
  function accountsCli(store: string, input: string, ...args: string[]) {
    const result = spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), ...args], { cwd: ROOT, encoding: "utf8", input, env: { ...process.env, CURRICULA_DIR: store } });
    return { code: result.status, out: result.stdout, err: result.stderr };
  }

  test("when an operator sets up a new store from the command line, then the admin, a designer and a working token exist", async () => {
    const store = await mkdtemp(join(tmpdir(), "cli-accounts-"));
    const admin = accountsCli(store, "correct horse battery staple\n", "users", "add", "--email", "Admin@Example.org", "--name", "Ada Admin", "--org", "Harbour Police", "--role", "admin");
    expect(admin).toMatchObject({ code: 0, out: "Added admin@example.org: admin in Harbour Police.\n" });
    const designer = accountsCli(store, "another long password\n", "users", "add", "--email", "des@example.org", "--name", "Dee Signer", "--org", "harbour police", "--role", "designer");
    expect(designer.out).toBe("Added des@example.org: designer in Harbour Police.\n");
    const list = accountsCli(store, "", "users", "list");
    expect(list.out).toMatch(/Harbour Police \([0-9a-f-]{36}\)\n {2}admin +admin@example\.org {2}Ada Admin\n {2}designer +des@example\.org {2}Dee Signer\n/);

    const token = accountsCli(store, "", "tokens", "create", "--email", "des@example.org", "--label", "Nightly");
    expect(token.code).toBe(0);
    // Only the token on standard output, so that a script can take it.
    expect(token.out).toMatch(/^pst_[A-Za-z0-9_-]{43}\n$/);
    expect(token.err).toMatch(/shown only this once/);
    const tokens = accountsCli(store, "", "tokens", "list", "--email", "des@example.org");
    expect(tokens.out).toMatch(/Nightly {2}made \d{4}-.* {2}last used never/);
    const accountsFile = await readFile(join(store, "accounts", "accounts.json"), "utf8");
    expect(accountsFile).not.toContain(token.out.trim());
    expect(accountsFile).not.toContain("correct horse battery staple");

    const id = /^([0-9a-f-]{36})/.exec(tokens.out)![1]!;
    expect(accountsCli(store, "", "tokens", "revoke", "--email", "des@example.org", "--id", id).out).toBe(`Revoked token ${id} of des@example.org.\n`);
  });

  test("when the input is wrong, then the CLI says which option and rule, and changes nothing", async () => {
    const store = await mkdtemp(join(tmpdir(), "cli-accounts-"));
    const short = accountsCli(store, "short\n", "users", "add", "--email", "a@example.org", "--name", "A", "--org", "O", "--role", "admin");
    expect(short).toMatchObject({ code: 2, err: "The password must be at least 10 characters.\n" });
    const role = accountsCli(store, "long enough password\n", "users", "add", "--email", "a@example.org", "--name", "A", "--org", "O", "--role", "owner");
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/--role must be one of admin, designer, manager, trainer/);
    const first = accountsCli(store, "long enough password\n", "users", "add", "--email", "a@example.org", "--name", "A", "--org", "O", "--role", "trainer");
    expect(first.code).toBe(2);
    expect(first.err).toMatch(/first account must be an admin/);
    const email = accountsCli(store, "long enough password\n", "users", "add", "--email", "nope", "--name", "A", "--org", "O", "--role", "admin");
    expect(email.err).toMatch(/--email must be an email address/);
    const unknown = accountsCli(store, "", "tokens", "create", "--email", "ghost@example.org", "--label", "x");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no account has the email ghost@example\.org/);
    expect(accountsCli(store, "", "users", "list").out).toBe("");
  });
});
