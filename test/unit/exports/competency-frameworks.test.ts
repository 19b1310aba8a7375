import { beforeAll, describe, expect, test } from "@jest/globals";
import { join } from "node:path";
import { projectRoot } from "../../../src/config.js";
import type { Catalog } from "../../../src/content/index.js";
import type { Curriculum } from "../../../src/domain/index.js";
import {
  CANVAS_COLUMNS,
  canvasOutcomesExport,
  caseExport,
  competencyFrameworkExports,
  curriculumCanvasOutcomesExport,
  curriculumCaseExport,
  curriculumMoodleCompetenciesExport,
  MOODLE_COLUMNS,
  moodleCompetenciesExport,
  uuidV5,
} from "../../../src/exports/competency-frameworks.js";
import type { ExportContext, ExportFormat } from "../../../src/exports/export-format.js";
import { PrintDocuments } from "../../../src/render/print-documents.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

let catalog: Catalog;
let documents: PrintDocuments;
let curriculum: Curriculum;
beforeAll(async () => {
  catalog = await realCatalog();
  documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
  curriculum = sampleCurriculum(catalog, { title: "Postal peer support" });
});

async function build(format: ExportFormat, c?: Curriculum): Promise<Buffer> {
  const context: ExportContext = {
    catalog,
    documents,
    curriculum: c,
    options: {},
    pdf: async () => {
      throw new Error("no PDFs in these exports");
    },
  };
  return format.build(context);
}

/** RFC 4180: quoted fields (with "" for a quote, and commas and line breaks inside), CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = text.startsWith("\uFEFF") ? 1 : 0;
  let quoted = false;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || row.length) throw new Error("the last record does not end with CRLF");
  return rows;
}

async function csvOf(format: ExportFormat, c?: Curriculum) {
  const text = (await build(format, c)).toString("utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  const [header, ...rows] = parseCsv(text);
  return { header: header!, rows };
}

/** The framework's counts, from the content (5 domains, 30 general and 91 specific competencies as written). */
function counts() {
  const domains = catalog.framework.domains;
  const general = domains.flatMap((d) => d.general);
  return { domains: domains.length, general: general.length, specific: general.flatMap((g) => g.specific).length };
}

/** A description as the exports write it: one HTML paragraph, the text escaped. */
const html = (text: string) => `<p>${text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;")}</p>`;
const covered = (c: Curriculum) => new Set(c.sessions.flatMap((s) => s.competencies));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("the competency framework exports", () => {
  test("when listed, then there are six, framework-wide and per course, all for facilitators, with unique ids", () => {
    expect(competencyFrameworkExports.map((f) => [f.id, f.scope])).toEqual([
      ["moodle-competencies", "framework"],
      ["canvas-outcomes", "framework"],
      ["case", "framework"],
      ["curriculum-moodle-competencies", "curriculum"],
      ["curriculum-canvas-outcomes", "curriculum"],
      ["curriculum-case", "curriculum"],
    ]);
    for (const f of competencyFrameworkExports) {
      expect(f.audience).toBe("facilitator");
      expect(f.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(f.extension).toBe(f.id.endsWith("case") ? "json" : "csv");
      expect(f.contentType).toMatch(f.id.endsWith("case") ? /^application\/json/ : /^text\/csv/);
    }
  });

  test("when the content is counted, then the framework has 5 domains, 30 general and 91 specific competencies", () => {
    expect(counts()).toEqual({ domains: 5, general: 30, specific: 91 });
    // Ids are unique within a level only ("confidentiality" is a general and a specific competency): the exports'
    // identifiers carry the level.
    const ids = catalog.framework.domains.flatMap((d) => [d.id, ...d.general.flatMap((g) => [g.id, ...g.specific.map((s) => s.id)])]);
    expect(new Set(ids).size).toBeLessThan(ids.length);
  });

  test("when a course export is built without a course, then it says it needs one", async () => {
    for (const f of competencyFrameworkExports.filter((x) => x.scope === "curriculum")) await expect(build(f)).rejects.toThrow(/needs a curriculum/);
  });
});

describe("the Moodle competency framework CSV", () => {
  // The headers tool_lpimportcsv lists (framework_importer::list_required_headers) and its own export writes.
  const MOODLE_HEADERS = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
  ];
  const MOODLE_TAXONOMIES = ["behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice", "proficiency", "skill", "value"];
  const col = (name: string) => MOODLE_HEADERS.indexOf(name);

  function checkTree(rows: string[][]) {
    for (const row of rows) expect(row).toHaveLength(MOODLE_HEADERS.length);
    const frameworks = rows.filter((r) => r[col("Is framework")] === "1");
    expect(frameworks).toHaveLength(1);
    const framework = frameworks[0]!;
    expect(rows[0]).toBe(framework);
    expect(framework[col("Parent ID number")]).toBe("");
    expect(framework[col("Scale values")]).toBe("Not yet competent,Competent");
    const config = JSON.parse(framework[col("Scale configuration")]!);
    expect(config).toEqual([{ scaleid: "0" }, { id: 1, scaledefault: 1, proficient: 0 }, { id: 2, scaledefault: 0, proficient: 1 }]);
    const taxonomy = framework[col("Taxonomy")]!.split(",");
    expect(taxonomy).toHaveLength(3);
    for (const term of taxonomy) expect(MOODLE_TAXONOMIES).toContain(term);

    const competencies = rows.slice(1);
    const ids = competencies.map((r) => r[col("ID number")]!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(framework[col("ID number")]);
    const level = new Map<string, number>();
    for (const r of competencies) {
      const parent = r[col("Parent ID number")]!;
      // A parent comes before its children, and the tree is three levels deep.
      if (parent !== "") expect(level.has(parent)).toBe(true);
      const depth = parent === "" ? 1 : level.get(parent)! + 1;
      expect(depth).toBeLessThanOrEqual(3);
      level.set(r[col("ID number")]!, depth);
      expect(r[col("ID number")]!.length).toBeLessThanOrEqual(100);
      expect(r[col("Short name")]!.length).toBeLessThanOrEqual(100);
      expect(r[col("Description format")]).toBe("1");
      expect(r[col("Description")]).toMatch(/^<p>[^<>]*<\/p>$/);
      expect(r[col("Is framework")]).toBe("");
      expect(r[col("Scale values")]).toBe("");
    }
    const byLevel = (n: number) => competencies.filter((r) => level.get(r[col("ID number")]!) === n).map((r) => r[col("ID number")]!);
    return { framework, byLevel };
  }

  test("when the whole framework is exported, then it has Moodle's columns, one framework row, and every domain, general and specific competency under its parent", async () => {
    const { header, rows } = await csvOf(moodleCompetenciesExport);
    expect(header).toEqual(MOODLE_HEADERS);
    expect([...MOODLE_COLUMNS]).toEqual(MOODLE_HEADERS);
    const { framework, byLevel } = checkTree(rows);
    expect(framework[col("ID number")]).toBe(catalog.framework.id);
    expect(framework[col("Short name")]).toBe(catalog.framework.name);
    const n = counts();
    expect([byLevel(1).length, byLevel(2).length, byLevel(3).length]).toEqual([n.domains, n.general, n.specific]);
    expect(byLevel(1)).toEqual(catalog.framework.domains.map((d) => `domain-${d.id}`));
    expect(byLevel(3)).toEqual(catalog.competencies.map((c) => `specific-${c.id}`));
    const first = catalog.competencies[0]!;
    const row = rows.find((r) => r[col("ID number")] === `specific-${first.id}`)!;
    expect(row[col("Parent ID number")]).toBe(`general-${first.generalId}`);
    expect(row[col("Short name")]).toBe(`${first.code} ${first.name}`);
    expect(row[col("Description")]).toBe(html(first.description));
  });

  test("when a course's competencies are exported, then they are exactly the ones its sessions cover, under their general competencies and domains", async () => {
    const { header, rows } = await csvOf(curriculumMoodleCompetenciesExport, curriculum);
    expect(header).toEqual(MOODLE_HEADERS);
    const { framework, byLevel } = checkTree(rows);
    expect(framework[col("ID number")]).not.toBe(catalog.framework.id);
    const specific = byLevel(3).map((id) => id.replace(/^specific-/, ""));
    expect(new Set(specific)).toEqual(covered(curriculum));
    expect(new Set(specific)).toEqual(new Set(curriculum.coverage.covered.map((x) => x.competency)));
    expect(specific.length).toBeLessThan(counts().specific);
    expect(new Set(byLevel(2))).toEqual(new Set(specific.map((id) => `general-${catalog.competency(id)!.generalId}`)));
    expect(new Set(byLevel(1))).toEqual(new Set(specific.map((id) => `domain-${catalog.competency(id)!.domainId}`)));
  });

  test("when a course title starts like a formula, then the framework's short name is written so that no spreadsheet runs it", async () => {
    const { rows } = await csvOf(curriculumMoodleCompetenciesExport, sampleCurriculum(catalog, { title: '=HYPERLINK("http://x")' }));
    expect(rows[0]![col("Short name")]).toBe(`'=HYPERLINK("http://x"): competencies`);
  });
});

describe("the Canvas outcomes CSV", () => {
  const col = (name: string) => (CANVAS_COLUMNS as readonly string[]).indexOf(name);

  function checkTree(header: string[], rows: string[][]) {
    expect(header.slice(0, CANVAS_COLUMNS.length)).toEqual([...CANVAS_COLUMNS]);
    expect(header.slice(CANVAS_COLUMNS.length).every((h) => h === "")).toBe(true);
    const groups = new Set<string>();
    const guids = new Set<string>();
    const parentOf = new Map<string, string>();
    for (const row of rows) {
      expect(row).toHaveLength(header.length);
      const guid = row[col("vendor_guid")]!;
      expect(guid).toMatch(/^\S+$/);
      expect(guids.has(guid)).toBe(false);
      guids.add(guid);
      expect(row[col("title")]).not.toBe("");
      expect(row[col("workflow_state")]).toBe("active");
      const parents = row[col("parent_guids")]!.split(" ").filter(Boolean);
      expect(parents.length).toBeLessThanOrEqual(1);
      // A parent is a group on an earlier row.
      for (const p of parents) expect(groups.has(p)).toBe(true);
      parentOf.set(guid, parents[0] ?? "");
      const ratings = row.slice(col("ratings"));
      if (row[col("object_type")] === "group") {
        groups.add(guid);
        expect([row[col("calculation_method")], row[col("calculation_int")], ...ratings].every((v) => v === "")).toBe(true);
      } else {
        expect(row[col("object_type")]).toBe("outcome");
        expect(["decaying_average", "n_mastery", "highest", "latest"]).toContain(row[col("calculation_method")]);
        expect(ratings).toEqual(["1", "Competent", "0", "Not yet competent"]);
      }
    }
    const depth = (guid: string): number => (parentOf.get(guid) ? depth(parentOf.get(guid)!) + 1 : 0);
    const outcomes = rows.filter((r) => r[col("object_type")] === "outcome");
    const groupRows = rows.filter((r) => r[col("object_type")] === "group");
    return {
      top: groupRows.filter((r) => depth(r[col("vendor_guid")]!) === 0),
      domains: groupRows.filter((r) => depth(r[col("vendor_guid")]!) === 1),
      general: groupRows.filter((r) => depth(r[col("vendor_guid")]!) === 2),
      outcomes,
      outcomeDepths: new Set(outcomes.map((r) => depth(r[col("vendor_guid")]!))),
      guids,
    };
  }

  test("when the whole framework is exported, then domains and general competencies are groups, specific ones outcomes, and every parent resolves", async () => {
    const { header, rows } = await csvOf(canvasOutcomesExport);
    const tree = checkTree(header, rows);
    const n = counts();
    expect(tree.top).toHaveLength(1);
    expect(tree.top[0]![col("title")]).toBe(catalog.framework.name);
    expect([tree.domains.length, tree.general.length, tree.outcomes.length]).toEqual([n.domains, n.general, n.specific]);
    expect(tree.outcomeDepths).toEqual(new Set([3]));
    const first = catalog.competencies[0]!;
    const row = tree.outcomes[0]!;
    expect([row[col("title")], row[col("display_name")], row[col("description")]]).toEqual([`${first.code} ${first.name}`, first.name, html(first.description)]);
  });

  test("when a course's competencies are exported, then its outcomes are exactly the covered ones, with vendor_guids of their own", async () => {
    const { header, rows } = await csvOf(curriculumCanvasOutcomesExport, curriculum);
    const tree = checkTree(header, rows);
    expect(tree.outcomes.map((r) => r[col("title")]!.split(" ")[0])).toEqual(catalog.competencies.filter((c) => covered(curriculum).has(c.id)).map((c) => c.code));
    const whole = await csvOf(canvasOutcomesExport);
    const wholeGuids = new Set(whole.rows.map((r) => r[col("vendor_guid")]));
    for (const guid of tree.guids) expect(wholeGuids.has(guid)).toBe(false);
  });

  test("when exported twice, then the vendor_guids are the same", async () => {
    const [a, b] = [await csvOf(curriculumCanvasOutcomesExport, curriculum), await csvOf(curriculumCanvasOutcomesExport, curriculum)];
    expect(b.rows.map((r) => r[col("vendor_guid")])).toEqual(a.rows.map((r) => r[col("vendor_guid")]));
  });
});

describe("the CASE 1.1 package", () => {
  interface Link {
    title: string;
    identifier: string;
    uri: string;
  }
  interface CasePackage {
    CFDocument: Record<string, unknown> & { identifier: string; uri: string; CFPackageURI: Link };
    CFItems: (Record<string, unknown> & { identifier: string; uri: string; CFItemType: string; humanCodingScheme: string; CFDocumentURI: Link })[];
    CFAssociations: (Record<string, unknown> & { identifier: string; associationType: string; originNodeURI: Link; destinationNodeURI: Link })[];
  }
  const read = async (format: ExportFormat, c?: Curriculum) => JSON.parse((await build(format, c)).toString("utf8")) as CasePackage;

  function checkPackage(pkg: CasePackage) {
    const doc = pkg.CFDocument;
    for (const field of ["identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI"]) expect(doc[field]).toBeTruthy();
    expect(doc.identifier).toMatch(UUID);
    expect(doc.lastChangeDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(doc.CFPackageURI.identifier).toBe(doc.identifier);
    const nodes = new Map<string, string>([[doc.identifier, doc.uri]]);
    for (const item of pkg.CFItems) {
      for (const field of ["identifier", "uri", "fullStatement", "humanCodingScheme", "CFItemType", "lastChangeDateTime", "CFDocumentURI"]) expect(item[field]).toBeTruthy();
      expect(item.identifier).toMatch(UUID);
      expect(item.CFDocumentURI.identifier).toBe(doc.identifier);
      expect(nodes.has(item.identifier)).toBe(false);
      nodes.set(item.identifier, item.uri);
    }
    const associationIds = pkg.CFAssociations.map((a) => a.identifier);
    expect(new Set(associationIds).size).toBe(associationIds.length);
    const parents = new Map<string, string>();
    for (const a of pkg.CFAssociations.filter((x) => x.associationType === "isChildOf")) {
      // Origin and destination are nodes of this package, named by identifier and URI alike.
      expect(nodes.get(a.originNodeURI.identifier)).toBe(a.originNodeURI.uri);
      expect(nodes.get(a.destinationNodeURI.identifier)).toBe(a.destinationNodeURI.uri);
      expect(parents.has(a.originNodeURI.identifier)).toBe(false);
      parents.set(a.originNodeURI.identifier, a.destinationNodeURI.identifier);
    }
    // Every item has one parent, and the top-level items are the document's children.
    expect(new Set(parents.keys())).toEqual(new Set(pkg.CFItems.map((i) => i.identifier)));
    const ofType = (type: string) => pkg.CFItems.filter((i) => i.CFItemType === type);
    for (const d of ofType("Domain")) expect(parents.get(d.identifier)).toBe(doc.identifier);
    const types = new Map(pkg.CFItems.map((i) => [i.identifier, i.CFItemType]));
    for (const g of ofType("General competency")) expect(types.get(parents.get(g.identifier)!)).toBe("Domain");
    for (const s of ofType("Specific competency")) expect(types.get(parents.get(s.identifier)!)).toBe("General competency");
    return { ofType };
  }

  test("when the whole framework is exported, then every item is there once, and every association's origin and destination exist", async () => {
    const pkg = await read(caseExport);
    const { ofType } = checkPackage(pkg);
    const n = counts();
    expect([ofType("Domain").length, ofType("General competency").length, ofType("Specific competency").length]).toEqual([n.domains, n.general, n.specific]);
    expect(pkg.CFItems).toHaveLength(n.domains + n.general + n.specific);
    expect(ofType("Specific competency").map((i) => i.humanCodingScheme)).toEqual(catalog.competencies.map((c) => c.code));
    expect(pkg.CFDocument.title).toBe(catalog.framework.name);
    expect(pkg.CFDocument.version).toBe(catalog.framework.version);
    expect(pkg.CFAssociations.every((a) => a.associationType === "isChildOf")).toBe(true);
  });

  test("when exported twice, then every identifier is the same", async () => {
    const ids = (pkg: CasePackage) => [pkg.CFDocument.identifier, ...pkg.CFItems.map((i) => i.identifier), ...pkg.CFAssociations.map((a) => a.identifier)];
    expect(ids(await read(caseExport))).toEqual(ids(await read(caseExport)));
    expect(ids(await read(curriculumCaseExport, curriculum))).toEqual(ids(await read(curriculumCaseExport, curriculum)));
  });

  test("when a course's competencies are exported, then its items are the covered ones and each exactly matches the framework's item", async () => {
    const pkg = await read(curriculumCaseExport, curriculum);
    const { ofType } = checkPackage(pkg);
    const coveredCodes = catalog.competencies.filter((c) => covered(curriculum).has(c.id)).map((c) => c.code);
    expect(ofType("Specific competency").map((i) => i.humanCodingScheme)).toEqual(coveredCodes);
    const whole = await read(caseExport);
    expect(pkg.CFDocument.identifier).not.toBe(whole.CFDocument.identifier);
    expect(pkg.CFDocument.lastChangeDateTime).toBe(new Date(curriculum.updatedAt).toISOString().replace(/\.\d{3}Z$/, "Z"));
    const wholeItems = new Map(whole.CFItems.map((i) => [i.identifier, i]));
    const matches = pkg.CFAssociations.filter((a) => a.associationType === "exactMatchOf");
    expect(matches).toHaveLength(pkg.CFItems.length);
    const own = new Map(pkg.CFItems.map((i) => [i.identifier, i]));
    for (const m of matches) {
      const origin = own.get(m.originNodeURI.identifier)!;
      const destination = wholeItems.get(m.destinationNodeURI.identifier)!;
      expect(destination.uri).toBe(m.destinationNodeURI.uri);
      expect([origin.humanCodingScheme, origin.CFItemType]).toEqual([destination.humanCodingScheme, destination.CFItemType]);
    }
  });

  test("when a name-based UUID is made, then it is RFC 4122 version 5", () => {
    // The RFC's DNS namespace and a name with a published version 5 UUID.
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
    expect(uuidV5("x")).toMatch(UUID);
  });
});
