import { afterEach, describe, expect, test } from "@jest/globals";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ContentError, loadCatalog } from "../../../src/content/index.js";
import { scratchContent } from "../../support/catalog.js";

type Scratch = Awaited<ReturnType<typeof scratchContent>>;
let scratch: Scratch | undefined;
afterEach(async () => {
  await scratch?.dispose();
  scratch = undefined;
});

/** Loads a broken copy of content/ and returns the ContentError it must raise. */
async function loadError(dir: string): Promise<ContentError> {
  try {
    await loadCatalog(dir);
  } catch (error) {
    if (error instanceof ContentError) return error;
    throw error;
  }
  throw new Error("the broken content loaded without an error");
}

describe("loading the content folder", () => {
  test("when the content is the project's own, then it loads into a read-only catalog", async () => {
    scratch = await scratchContent();
    const catalog = await loadCatalog(scratch.dir);
    expect(catalog.competencies.length).toBe(91);
    expect(Object.isFrozen(catalog.framework.domains[0])).toBe(true);
  });

  test("when a file is not valid JSON, then the error names the file and the line", async () => {
    scratch = await scratchContent();
    await scratch.write("tiers.json", '{\n  "tiers": [\n    { "id": "prevention", }\n  ]\n}');
    const error = await loadError(scratch.dir);
    expect(error.problems).toEqual([expect.objectContaining({ file: "tiers.json", path: "" })]);
    expect(error.message).toMatch(/tiers\.json: \(file\): is not valid JSON \(line 3, column \d+\)/);
  });

  test("when a required field is missing, then the error names the file, the JSON path and the rule", async () => {
    scratch = await scratchContent();
    await scratch.edit("framework.json", (fw) => {
      delete fw.domains[1].general[0].specific[2].kind;
    });
    const error = await loadError(scratch.dir);
    expect(error.problems).toContainEqual({
      file: "framework.json",
      path: "domains[1].general[0].specific[2].kind",
      message: expect.stringMatching(/expected one of|Invalid option/),
    });
  });

  test("when a sector names a competency that does not exist, then the error points at that reference", async () => {
    scratch = await scratchContent();
    await scratch.edit(join("sectors", "police.json"), (sector) => {
      sector.emphasis[0].competency = "mind-reading";
    });
    const error = await loadError(scratch.dir);
    expect(error.problems).toEqual([
      { file: join("sectors", "police.json"), path: "emphasis[0].competency", message: 'names no specific competency in the framework: "mind-reading"' },
    ]);
  });

  test("when a competency names an unknown ERNST level, then the error points at it", async () => {
    scratch = await scratchContent();
    await scratch.edit("framework.json", (fw) => {
      fw.domains[0].general[0].specific[0].tiers = ["peer-support", "level-six"];
    });
    const error = await loadError(scratch.dir);
    expect(error.problems).toEqual([
      expect.objectContaining({ file: "framework.json", path: "domains[0].general[0].specific[0].tiers[1]", message: expect.stringContaining('"level-six"') }),
    ]);
  });

  test("when two specific competencies share an id, then the duplicate is reported where it appears", async () => {
    scratch = await scratchContent();
    let duplicated = "";
    await scratch.edit("framework.json", (fw) => {
      duplicated = fw.domains[0].general[0].specific[0].id;
      fw.domains[4].general[0].specific[0].id = duplicated;
    });
    const error = await loadError(scratch.dir);
    expect(error.problems).toContainEqual(
      expect.objectContaining({
        file: "framework.json",
        path: "domains[4].general[0].specific[0].id",
        message: expect.stringContaining(`duplicate specific competency id "${duplicated}"`),
      }),
    );
  });

  test("when a sector file's id differs from its name, then the error says so", async () => {
    scratch = await scratchContent();
    await scratch.edit(join("sectors", "postal.json"), (sector) => {
      sector.id = "post";
    });
    const error = await loadError(scratch.dir);
    expect(error.problems).toContainEqual({ file: join("sectors", "postal.json"), path: "id", message: 'must equal the file name "postal", found "post"' });
  });

  test("when a file is missing, then the error says which", async () => {
    scratch = await scratchContent();
    await rm(join(scratch.dir, "framework.json"));
    const error = await loadError(scratch.dir);
    expect(error.problems).toContainEqual({ file: "framework.json", path: "", message: "is missing" });
  });

  test("when a new sector file is added, then it loads with no code change", async () => {
    scratch = await scratchContent();
    await scratch.edit(join("sectors", "postal.json"), (sector) => sector);
    const { readFile, writeFile } = await import("node:fs/promises");
    const postal = JSON.parse(await readFile(join(scratch.dir, "sectors", "postal.json"), "utf8"));
    await writeFile(
      join(scratch.dir, "sectors", "rail.json"),
      JSON.stringify({ ...postal, id: "rail", name: "Rail", evidence: { reviewStudies: null, note: "The review found no study in rail." } }),
    );
    const catalog = await loadCatalog(scratch.dir);
    expect(catalog.sector("rail")?.name).toBe("Rail");
    expect(catalog.ids.sectors).toContain("rail");
  });
});

describe("the course rules file", () => {
  test("when a template names a phase that does not exist, or a rule a topic that does not, then start-up stops naming it", async () => {
    const scratch = await scratchContent();
    try {
      await scratch.edit("sessions/course-opening.json", (t) => {
        t.phase = "interlude";
      });
      await expect(loadCatalog(scratch.dir)).rejects.toThrow(/sessions\/course-opening\.json: phase: names no phase in course-rules\.json: "interlude"/);
      await scratch.edit("course-rules.json", (rules) => {
        rules.mandatory[0].topic = "telepathy";
      });
      await expect(loadCatalog(scratch.dir)).rejects.toThrow(/course-rules\.json: mandatory\[0\]\.topic: names no topic of this file: "telepathy"/);
    } finally {
      await scratch.dispose();
    }
  });
});
