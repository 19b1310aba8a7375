import { createHash } from "node:crypto";
import type { Catalog } from "../content/index.js";
import type { Curriculum, Domain, GeneralCompetency, SpecificCompetency } from "../domain/index.js";
import { csvDocument } from "../render/csv.js";
import type { ExportContext, ExportFormat } from "./export-format.js";

/**
 * The competency framework for the tools that hold competencies: Moodle (a competency framework CSV for
 * tool_lpimportcsv), Canvas (an outcomes CSV for the Outcomes Import API) and 1EdTech CASE 1.1 (a CFPackage in JSON).
 * Each comes for the whole framework and for one course: the domains and general competencies that hold the specific
 * competencies its sessions cover, with only those specific ones.
 *
 * Identifiers are derived from the content ids (and the course id), never drawn at random, so an export imported
 * again updates what the first import made instead of adding a copy.
 */

// ---------------------------------------------------------------------------------------------------------------
// The part of the framework an export holds

interface GeneralNode {
  general: GeneralCompetency;
  specific: readonly SpecificCompetency[];
}
interface DomainNode {
  domain: Domain;
  general: readonly GeneralNode[];
}

/** Who the export is about: the whole framework, or one course's part of it. */
interface Scope {
  domains: readonly DomainNode[];
  /** The course, for curriculum-scoped exports. */
  curriculum?: Curriculum;
}

function wholeFramework(catalog: Catalog): Scope {
  return { domains: catalog.framework.domains.map((domain) => ({ domain, general: domain.general.map((general) => ({ general, specific: general.specific })) })) };
}

/** The specific competencies the course's sessions cover, in framework order, with the general and domain above them. */
function courseScope(catalog: Catalog, curriculum: Curriculum): Scope {
  const covered = new Set(curriculum.sessions.flatMap((s) => s.competencies));
  const domains = catalog.framework.domains
    .map((domain) => ({
      domain,
      general: domain.general.map((general) => ({ general, specific: general.specific.filter((sc) => covered.has(sc.id)) })).filter((g) => g.specific.length > 0),
    }))
    .filter((d) => d.general.length > 0);
  return { domains, curriculum };
}

function scopeOf(context: ExportContext, scope: "framework" | "curriculum", format: string): Scope {
  if (scope === "framework") return wholeFramework(context.catalog);
  if (!context.curriculum) throw new Error(`The ${format} export needs a curriculum.`);
  return courseScope(context.catalog, context.curriculum);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/** One paragraph of HTML: the description format both Moodle (format 1) and Canvas take. */
const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;

/** Cuts text to `max` characters at a word boundary, with an ellipsis (Moodle's short names hold 100). */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** A short, stable tag for a course, for names that must be unique per course but short. */
function courseTag(curriculum: Curriculum): string {
  return createHash("sha1").update(curriculum.id, "utf8").digest("hex").slice(0, 12);
}

/** This project's namespace for name-based UUIDs (a fixed random UUID). */
export const UUID_NAMESPACE = "ce9985dc-c3db-45c4-a649-1839ac83126b";

/** A name-based UUID (RFC 4122 version 5: SHA-1 of the namespace and the name): the same name always gives the same UUID. */
export function uuidV5(name: string, namespace: string = UUID_NAMESPACE): string {
  const hash = createHash("sha1").update(Buffer.from(namespace.replaceAll("-", ""), "hex")).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The two-point scale all three formats use: competent or not yet. */
const SCALE = { notYet: "Not yet competent", competent: "Competent" } as const;

function courseDescription(catalog: Catalog, curriculum: Curriculum): string {
  return `The competencies of "${catalog.framework.name}" (version ${catalog.framework.version}) that the sessions of the course "${curriculum.title}" cover.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Moodle: tool_lpimportcsv

/**
 * The columns of Moodle's competency framework import (admin/tool/lpimportcsv), in its order and with the names its
 * own export writes (the language strings of framework_importer::list_required_headers). The importer reads the
 * columns by position.
 */
export const MOODLE_COLUMNS = [
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
] as const;

/** FORMAT_HTML in Moodle. */
const MOODLE_HTML = 1;
/** Moodle's scale items are numbered from 1 in the order of "Scale values"; the first entry names the scale. */
const MOODLE_SCALE_VALUES = `${SCALE.notYet},${SCALE.competent}`;
const MOODLE_SCALE_CONFIGURATION = JSON.stringify([
  { scaleid: "0" },
  { id: 1, scaledefault: 1, proficient: 0 },
  { id: 2, scaledefault: 0, proficient: 1 },
]);
/** One taxonomy term per level of the tree (Moodle's terms: domain, competency, skill, ...). */
const MOODLE_TAXONOMY = "domain,competency,competency";
const MOODLE_ID_MAX = 100;

function moodleCsv(catalog: Catalog, scope: Scope): string {
  const framework = catalog.framework;
  const c = scope.curriculum;
  const frameworkRow = [
    "",
    c ? `${framework.id.slice(0, MOODLE_ID_MAX - 20)}-course-${courseTag(c)}` : framework.id.slice(0, MOODLE_ID_MAX),
    shorten(c ? `${c.title}: competencies` : framework.name, 100),
    paragraph(c ? courseDescription(catalog, c) : framework.description),
    MOODLE_HTML,
    MOODLE_SCALE_VALUES,
    MOODLE_SCALE_CONFIGURATION,
    "",
    "",
    "",
    "",
    "",
    1,
    MOODLE_TAXONOMY,
  ];
  // ID numbers must be unique within a framework, and the content's ids are unique only within a level (a domain and
  // a general competency may share one), so each carries its level. Top-level competencies have an empty parent ID
  // number; the others name their parent's ID number.
  const idNumber = (level: "domain" | "general" | "specific", id: string) => `${level}-${id}`;
  const row = (parent: string, id: string, name: string, description: string) => [parent, id, shorten(name, 100), paragraph(description), MOODLE_HTML, "", "", "", 0, "", "", "", "", ""];
  const rows: (string | number)[][] = [[...MOODLE_COLUMNS], frameworkRow];
  for (const { domain, general } of scope.domains) {
    const domainId = idNumber("domain", domain.id);
    rows.push(row("", domainId, `${domain.number} ${domain.name}`, domain.description));
    for (const g of general) {
      const generalId = idNumber("general", g.general.id);
      rows.push(row(domainId, generalId, `${g.general.code} ${g.general.name}`, g.general.description));
      for (const sc of g.specific) rows.push(row(generalId, idNumber("specific", sc.id), `${sc.code} ${sc.name}`, sc.description));
    }
  }
  return csvDocument(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Canvas: the Outcomes Import CSV

/** The columns of Canvas's outcomes CSV, then the ratings: points and description pairs, highest first. */
export const CANVAS_COLUMNS = ["vendor_guid", "object_type", "title", "description", "display_name", "calculation_method", "calculation_int", "workflow_state", "parent_guids", "ratings"] as const;
const CANVAS_RATINGS: readonly (string | number)[] = [1, SCALE.competent, 0, SCALE.notYet];

function canvasCsv(catalog: Catalog, scope: Scope): string {
  const framework = catalog.framework;
  const c = scope.curriculum;
  // vendor_guid must be unique and hold no spaces; a course's outcomes are its own (Canvas will not link a course to
  // an account's outcome whose fields differ), so they carry the course's tag.
  const prefix = c ? `${framework.id}.course-${courseTag(c)}` : framework.id;
  const guid = (level: string, id: string) => `${prefix}.${level}.${id}`;
  const padding = CANVAS_RATINGS.map(() => "");
  const header = [...CANVAS_COLUMNS, ...padding.slice(1)];
  const group = (vendorGuid: string, title: string, description: string, parent: string) => [vendorGuid, "group", title, paragraph(description), "", "", "", "active", parent, ...padding];
  const outcome = (vendorGuid: string, sc: SpecificCompetency, parent: string) => [vendorGuid, "outcome", `${sc.code} ${sc.name}`, paragraph(sc.description), sc.name, "latest", "", "active", parent, ...CANVAS_RATINGS];

  const top = guid("framework", framework.id);
  const rows: (string | number)[][] = [header, group(top, c ? `${c.title}: competencies` : framework.name, c ? courseDescription(catalog, c) : framework.description, "")];
  for (const { domain, general } of scope.domains) {
    const domainGuid = guid("domain", domain.id);
    rows.push(group(domainGuid, `${domain.number} ${domain.name}`, domain.description, top));
    for (const g of general) {
      const generalGuid = guid("general", g.general.id);
      rows.push(group(generalGuid, `${g.general.code} ${g.general.name}`, g.general.description, domainGuid));
      for (const sc of g.specific) rows.push(outcome(guid("specific", sc.id), sc, generalGuid));
    }
  }
  return csvDocument(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// 1EdTech CASE 1.1: a CFPackage

interface LinkUri {
  title: string;
  identifier: string;
  uri: string;
}

const CREATOR = "Peer-support curriculum builder";

/** URIs for CASE nodes: the export has no host of its own, so every node is named by its UUID as a URN. */
function link(title: string, identifier: string): LinkUri {
  return { title, identifier, uri: `urn:uuid:${identifier}` };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The document name a framework's CASE identifiers are derived from (the same in every export of it). */
const frameworkDocumentName = (catalog: Catalog) => `case/${catalog.framework.id}`;

function casePackage(catalog: Catalog, scope: Scope, now: Date) {
  const framework = catalog.framework;
  const c = scope.curriculum;
  const frameworkName = frameworkDocumentName(catalog);
  const documentName = c ? `${frameworkName}/course/${c.id}` : frameworkName;
  const updated = c && !Number.isNaN(Date.parse(c.updatedAt)) ? new Date(c.updatedAt) : now;
  const lastChangeDateTime = isoSeconds(updated);
  const documentId = uuidV5(documentName);
  const title = c ? `${c.title}: competencies` : framework.name;
  const documentLink = link(title, documentId);
  const sources = framework.sources.map((id) => catalog.source(id)?.short ?? id);

  const CFDocument = {
    identifier: documentId,
    uri: documentLink.uri,
    creator: CREATOR,
    title,
    lastChangeDateTime,
    description: c ? courseDescription(catalog, c) : framework.description,
    language: "en",
    version: framework.version,
    adoptionStatus: "Draft",
    frameworkType: "Competency framework",
    notes: `Sources: ${sources.join("; ")}.`,
    CFPackageURI: link(title, documentId),
  };

  const CFItems: Record<string, unknown>[] = [];
  const CFAssociations: Record<string, unknown>[] = [];
  const associate = (type: string, origin: LinkUri, destination: LinkUri, sequenceNumber?: number) => {
    const identifier = uuidV5(`${documentName}/association/${type}/${origin.identifier}/${destination.identifier}`);
    CFAssociations.push({
      identifier,
      associationType: type,
      CFDocumentURI: documentLink,
      ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
      uri: `urn:uuid:${identifier}`,
      originNodeURI: origin,
      destinationNodeURI: destination,
      lastChangeDateTime,
    });
  };
  const item = (level: string, id: string, type: string, code: string, name: string, description: string, parent: LinkUri, position: number): LinkUri => {
    const own = link(name, uuidV5(`${documentName}/${level}/${id}`));
    CFItems.push({
      identifier: own.identifier,
      uri: own.uri,
      fullStatement: description,
      abbreviatedStatement: name,
      humanCodingScheme: code,
      listEnumeration: String(position),
      CFItemType: type,
      language: "en",
      CFDocumentURI: documentLink,
      lastChangeDateTime,
    });
    associate("isChildOf", own, parent, position);
    // A course's items are its own nodes; each is the framework's item, which the framework export holds.
    if (c) associate("exactMatchOf", own, link(name, uuidV5(`${frameworkName}/${level}/${id}`)));
    return own;
  };

  scope.domains.forEach(({ domain, general }, d) => {
    const domainLink = item("domain", domain.id, "Domain", String(domain.number), domain.name, domain.description, documentLink, d + 1);
    general.forEach((g, i) => {
      const generalLink = item("general", g.general.id, "General competency", g.general.code, g.general.name, g.general.description, domainLink, i + 1);
      g.specific.forEach((sc, k) => item("specific", sc.id, "Specific competency", sc.code, sc.name, sc.description, generalLink, k + 1));
    });
  });
  return { CFDocument, CFItems, CFAssociations };
}

// ---------------------------------------------------------------------------------------------------------------
// The formats

const CSV = "text/csv; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";

function format(
  id: string,
  scope: "framework" | "curriculum",
  title: string,
  purpose: string,
  kind: { contentType: string; extension: string },
  make: (catalog: Catalog, s: Scope) => string,
): ExportFormat {
  return {
    id,
    scope,
    title,
    purpose,
    audience: "facilitator",
    ...kind,
    async build(context) {
      return Buffer.from(make(context.catalog, scopeOf(context, scope, id)), "utf8");
    },
  };
}

const csv = { contentType: CSV, extension: "csv" };
const json = { contentType: JSON_TYPE, extension: "json" };
const caseJson = (catalog: Catalog, scope: Scope) => `${JSON.stringify(casePackage(catalog, scope, new Date()), null, 2)}\n`;

export const moodleCompetenciesExport = format(
  "moodle-competencies",
  "framework",
  "Moodle competency framework (CSV)",
  "The whole competency framework (domains, general and specific competencies) for Moodle's Import competency framework, with a competent / not yet competent scale.",
  csv,
  moodleCsv,
);

export const canvasOutcomesExport = format(
  "canvas-outcomes",
  "framework",
  "Canvas outcomes (CSV)",
  "The whole competency framework as Canvas outcome groups (domains, general competencies) and outcomes (specific competencies), for the Outcomes Import.",
  csv,
  canvasCsv,
);

export const caseExport = format(
  "case",
  "framework",
  "1EdTech CASE 1.1 (JSON)",
  "The whole competency framework as a CASE 1.1 package (CFDocument, CFItems, CFAssociations) with stable identifiers, for competency registries.",
  json,
  caseJson,
);

export const curriculumMoodleCompetenciesExport = format(
  "curriculum-moodle-competencies",
  "curriculum",
  "Course competencies: Moodle competency framework (CSV)",
  "The competencies this course's sessions cover, with their general competencies and domains, as a Moodle competency framework to import.",
  csv,
  moodleCsv,
);

export const curriculumCanvasOutcomesExport = format(
  "curriculum-canvas-outcomes",
  "curriculum",
  "Course competencies: Canvas outcomes (CSV)",
  "The competencies this course's sessions cover, as Canvas outcome groups and outcomes to import into the course.",
  csv,
  canvasCsv,
);

export const curriculumCaseExport = format(
  "curriculum-case",
  "curriculum",
  "Course competencies: 1EdTech CASE 1.1 (JSON)",
  "The competencies this course's sessions cover as a CASE 1.1 package, each item matched to the framework's own.",
  json,
  caseJson,
);

/** The six competency-framework exports, framework-wide first. */
export const competencyFrameworkExports: readonly ExportFormat[] = [
  moodleCompetenciesExport,
  canvasOutcomesExport,
  caseExport,
  curriculumMoodleCompetenciesExport,
  curriculumCanvasOutcomesExport,
  curriculumCaseExport,
];
