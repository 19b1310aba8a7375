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
    expect(cli("scenario-pack", "--sector", "aviation", "--out", out).err).toMatch(/Unknown sector "aviation"/);
  }, 60_000);
});
