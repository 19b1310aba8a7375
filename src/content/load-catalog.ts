import { basename, join } from "node:path";
import type { z } from "zod";
import {
  courseRulesSchema,
  frameworkSchema,
  kitContentSchema,
  programmeSchema,
  quizFileSchema,
  scenarioSchema,
  sectorSchema,
  sessionTemplateSchema,
  sourceListSchema,
  tierListSchema,
} from "../domain/index.js";
import { buildCatalog, type Catalog } from "./catalog.js";
import { checkReferences } from "./check-references.js";
import { ContentError, type ContentProblem } from "./content-error.js";
import { listFolders, listJsonFiles, readContentFile, type Parsed } from "./read-json.js";

/**
 * Loads a content folder (content/ or an organisation's own, same layout):
 *   sources.json, framework.json, tiers.json, programme.json, kit.json, course-rules.json, quiz/*.json, sectors/*.json, sessions/*.json, scenarios/<sector>/*.json
 * validates every file, checks every cross-reference, and returns the read-only Catalog. Throws a ContentError that
 * lists every problem (file, JSON path, reason) when anything is wrong, so start-up stops with a usable message.
 */
export async function loadCatalog(contentDir: string): Promise<Catalog> {
  const problems: ContentProblem[] = [];
  const read = <S extends z.ZodType>(path: string, schema: S) => readContentFile(contentDir, path, schema, problems);

  // Each file's id must match its name, so an author can find any item from an error or a URL.
  const matchingFileName = <S extends z.ZodType<{ id: string }>>(schema: S) =>
    async (path: string) => {
      const parsed = await read(path, schema);
      const expected = basename(path, ".json");
      if (parsed && parsed.value.id !== expected) {
        problems.push({ file: parsed.file, path: "id", message: `must equal the file name "${expected}", found "${parsed.value.id}"` });
      }
      return parsed;
    };

  const [sources, framework, tiers, programme, kit, rules] = await Promise.all([
    read(join(contentDir, "sources.json"), sourceListSchema),
    read(join(contentDir, "framework.json"), frameworkSchema),
    read(join(contentDir, "tiers.json"), tierListSchema),
    read(join(contentDir, "programme.json"), programmeSchema),
    read(join(contentDir, "kit.json"), kitContentSchema),
    read(join(contentDir, "course-rules.json"), courseRulesSchema),
  ]);
  const quiz = await Promise.all((await listJsonFiles(join(contentDir, "quiz"))).map((path) => read(path, quizFileSchema)));
  const sectors = await Promise.all((await listJsonFiles(join(contentDir, "sectors"))).map(matchingFileName(sectorSchema)));
  const sessions = await Promise.all((await listJsonFiles(join(contentDir, "sessions"))).map(matchingFileName(sessionTemplateSchema)));
  const scenarios: (Parsed<z.infer<typeof scenarioSchema>> | undefined)[] = [];
  for (const folder of await listFolders(join(contentDir, "scenarios"))) {
    for (const path of await listJsonFiles(join(contentDir, "scenarios", folder))) {
      const parsed = await matchingFileName(scenarioSchema)(path);
      if (parsed && parsed.value.sector !== folder) {
        problems.push({ file: parsed.file, path: "sector", message: `must equal its folder "${folder}", found "${parsed.value.sector}"` });
      }
      scenarios.push(parsed);
    }
  }
  if (sectors.length === 0) problems.push({ file: "sectors/", path: "", message: "holds no sector file: at least one is needed" });

  if (problems.length > 0 || !sources || !framework || !tiers || !programme || !kit || !rules) throw new ContentError(problems);
  const present = <T>(items: (T | undefined)[]) => items.filter((x): x is T => x !== undefined);
  const parsed = { sources, framework, tiers, programme, kit, rules, quiz: present(quiz), sectors: present(sectors), sessions: present(sessions), scenarios: present(scenarios) };

  problems.push(...checkReferences(parsed));
  if (problems.length > 0) throw new ContentError(problems);

  return buildCatalog({
    framework: parsed.framework.value,
    programme: parsed.programme.value,
    kit: parsed.kit.value,
    rules: parsed.rules.value,
    quiz: parsed.quiz.flatMap((f) => f.value.items),
    sources: parsed.sources.value.sources,
    tiers: parsed.tiers.value.tiers,
    sectors: parsed.sectors.map((s) => s.value),
    sessions: parsed.sessions.map((s) => s.value),
    scenarios: parsed.scenarios.map((s) => s.value),
  });
}
