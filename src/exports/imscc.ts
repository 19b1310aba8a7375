import { ZipArchive } from "archiver";
import { createHash } from "node:crypto";
import { format, parseISO } from "date-fns";
import { create } from "xmlbuilder2";
import type { Catalog } from "../content/index.js";
import { METHOD_LABELS, SCENARIO_METHODS, type Curriculum, type Scenario, type ScheduledSession } from "../domain/index.js";
import { formatMinutes } from "../render/format.js";
import type { ExportContext, ExportFormat } from "./export-format.js";

/**
 * The course as an IMS Common Cartridge 1.1 package, which Moodle (core course restore) and Canvas (course import)
 * read: imsmanifest.xml with one organization whose root holds a "Course documents" folder (the participant syllabus
 * and the role cards, as PDFs) and one folder a course day (Moodle makes each a section, Canvas a module), and under
 * each day one web page a session: when it runs, what participants do, its objectives and competencies.
 */

const CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1";
const LOM_RESOURCE = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource";
const LOM_MANIFEST = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const XMLNS = "http://www.w3.org/2000/xmlns/";
const SCHEMA_LOCATION = [
  CP,
  "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
  LOM_RESOURCE,
  "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd",
  LOM_MANIFEST,
  "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd",
].join(" ");

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/**
 * A file name from a title: ASCII lower-case words joined by hyphens (safe in a zip and in an href without encoding),
 * cut after a whole word at about 50 characters.
 */
function slug(text: string): string {
  const words = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (words.length <= 50) return words || "session";
  const cut = words.slice(0, 51);
  const lastBreak = cut.lastIndexOf("-");
  return lastBreak > 20 ? cut.slice(0, lastBreak) : cut.slice(0, 50).replace(/-+$/, "");
}

const dayLabel = (date: string) => format(parseISO(date), "EEEE d MMMM yyyy");
const two = (n: number) => String(n).padStart(2, "0");

interface SessionPage {
  session: ScheduledSession;
  number: number;
  href: string;
  itemId: string;
  resourceId: string;
}

/** The scenarios the course's role-plays and simulations run, in the order they first come. */
function courseScenarios(c: Curriculum, catalog: Catalog): Scenario[] {
  const ids = [...new Set(c.sessions.flatMap((s) => s.scenarioIds))];
  return ids.map((id) => catalog.scenario(id)).filter((s): s is Scenario => s !== undefined);
}

/** A session's page: the participant-facing facts of it, every piece of text escaped. */
function sessionHtml(page: SessionPage, c: Curriculum, catalog: Catalog): string {
  const s = page.session;
  const template = catalog.session(s.templateId);
  const practiceFormat = s.practice && catalog.rules.practice.formats.find((f) => f.id === s.practice!.format);
  const scenarios = (SCENARIO_METHODS as readonly string[]).includes(s.method) ? s.scenarioIds.map((id) => catalog.scenario(id)).filter((x): x is Scenario => x !== undefined) : [];
  const competencies = s.competencies.map((id) => catalog.competency(id)).filter((x) => x !== undefined);
  const list = (items: readonly string[]) => (items.length ? `<ul>\n${items.map((i) => `  <li>${escapeHtml(i)}</li>`).join("\n")}\n</ul>` : "<p>None listed.</p>");

  const doing = [`<p><strong>${escapeHtml(METHOD_LABELS[s.method] ?? s.method)}</strong>${s.practical ? " (practical)" : ""}</p>`];
  if (template) doing.push(`<p>${escapeHtml(template.summary)}</p>`);
  if (practiceFormat && s.practice) {
    const rounds = `${s.practice.rounds} ${s.practice.rounds === 1 ? "round" : "rounds"}`;
    doing.push(`<p>Practice format: <strong>${escapeHtml(practiceFormat.name)}</strong>, ${rounds}. ${escapeHtml(practiceFormat.summary)}</p>`);
  }
  for (const scenario of scenarios) doing.push(`<p>Scenario: <strong>${escapeHtml(scenario.title)}</strong></p>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`${page.number}. ${s.title}`)}</title>
</head>
<body>
<p>${escapeHtml(c.title)}</p>
<h1>${escapeHtml(`${page.number}. ${s.title}`)}</h1>
<h2>When</h2>
<p>${escapeHtml(dayLabel(s.date))}, ${escapeHtml(s.start)}–${escapeHtml(s.end)} (${escapeHtml(formatMinutes(s.minutes))}, ${s.minutes} minutes)</p>
<h2>What you do</h2>
${doing.join("\n")}
<h2>Objectives</h2>
${list(s.objectives)}
<h2>Competencies</h2>
${list(competencies.map((x) => `${x.code} ${x.name}`))}
</body>
</html>
`;
}

interface Document {
  title: string;
  href: string;
  itemId: string;
  resourceId: string;
}

/** imsmanifest.xml: metadata, the organization (documents, then the days and their sessions) and the resources. */
function manifestXml(c: Curriculum, catalog: Catalog, days: readonly { date: string; pages: readonly SessionPage[] }[], documents: readonly Document[]): string {
  const tag = createHash("sha1").update(c.id, "utf8").digest("hex").slice(0, 16);
  const doc = create({ version: "1.0", encoding: "UTF-8" });
  const manifest = doc
    .ele(CP, "manifest", { identifier: `M_${tag}` })
    .att(XMLNS, "xmlns:lom", LOM_RESOURCE)
    .att(XMLNS, "xmlns:lomimscc", LOM_MANIFEST)
    .att(XMLNS, "xmlns:xsi", XSI)
    .att(XSI, "xsi:schemaLocation", SCHEMA_LOCATION);

  const metadata = manifest.ele("metadata");
  metadata.ele("schema").txt("IMS Common Cartridge");
  metadata.ele("schemaversion").txt("1.1.0");
  const general = metadata.ele(LOM_MANIFEST, "lomimscc:lom").ele(LOM_MANIFEST, "lomimscc:general");
  general.ele(LOM_MANIFEST, "lomimscc:title").ele(LOM_MANIFEST, "lomimscc:string", { language: "en" }).txt(c.title);
  const sector = catalog.sector(c.spec.sector)?.name ?? c.spec.sector;
  const summary = `${sector}: ${c.sessions.length} sessions over ${c.days.length} ${c.days.length === 1 ? "day" : "days"}, ${formatMinutes(c.totals.contactMinutes)} of contact time.`;
  general.ele(LOM_MANIFEST, "lomimscc:description").ele(LOM_MANIFEST, "lomimscc:string", { language: "en" }).txt(summary);

  // Rooted hierarchy: one untitled root item; its children are the folders, and the leaves point at resources.
  const root = manifest.ele("organizations").ele("organization", { identifier: "O_1", structure: "rooted-hierarchy" }).ele("item", { identifier: "I_root" });
  if (documents.length) {
    const folder = root.ele("item", { identifier: "I_documents" });
    folder.ele("title").txt("Course documents");
    for (const d of documents) folder.ele("item", { identifier: d.itemId, identifierref: d.resourceId }).ele("title").txt(d.title);
  }
  days.forEach((day, i) => {
    const folder = root.ele("item", { identifier: `I_day_${two(i + 1)}` });
    folder.ele("title").txt(dayLabel(day.date));
    for (const page of day.pages) {
      folder.ele("item", { identifier: page.itemId, identifierref: page.resourceId }).ele("title").txt(`${page.session.start}–${page.session.end} ${page.session.title}`);
    }
  });

  const resources = manifest.ele("resources");
  for (const r of [...documents, ...days.flatMap((d) => d.pages)]) {
    resources.ele("resource", { identifier: r.resourceId, type: "webcontent", href: r.href }).ele("file", { href: r.href });
  }
  return doc.end({ prettyPrint: true });
}

interface Entry {
  name: string;
  data: Buffer | string;
  /** Already compressed (PDF): stored as is. */
  store?: boolean;
}

async function zip(entries: readonly Entry[], date: Date): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on("end", () => resolve());
    archive.on("error", reject);
    archive.on("warning", reject);
  });
  for (const e of entries) archive.append(e.data, { name: e.name, date, store: e.store ?? false });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Builds the cartridge for a course. */
export async function buildCartridge(c: Curriculum, context: Pick<ExportContext, "catalog" | "documents" | "pdf">): Promise<Buffer> {
  const { catalog, documents } = context;
  const numbered = c.sessions.map((session, i) => ({ session, number: i + 1 }));
  const pages: SessionPage[] = numbered.map(({ session, number }) => ({
    session,
    number,
    href: `sessions/${two(number)}-${slug(session.title)}.html`,
    itemId: `I_session_${two(number)}`,
    resourceId: `R_session_${two(number)}`,
  }));
  // Every course day, and any date a session has that the days do not list (so no session is left out).
  const dates = [...new Set([...c.days.map((d) => d.date), ...c.sessions.map((s) => s.date)])].sort();
  const days = dates.map((date) => ({ date, pages: pages.filter((p) => p.session.date === date).sort((a, b) => a.session.start.localeCompare(b.session.start)) }));

  const scenarios = courseScenarios(c, catalog);
  const [syllabus, roleCards] = await Promise.all([
    context.pdf(documents.syllabus(c, "a4"), "a4"),
    scenarios.length ? context.pdf(documents.scenarioPack(c.spec.sector, scenarios, "participant", "a4"), "a4") : Promise.resolve(undefined),
  ]);
  const docs: (Document & { data: Buffer })[] = [{ title: "Participant syllabus (PDF)", href: "documents/participant-syllabus.pdf", itemId: "I_syllabus", resourceId: "R_syllabus", data: syllabus }];
  if (roleCards) docs.push({ title: "Role cards (PDF)", href: "documents/role-cards.pdf", itemId: "I_role_cards", resourceId: "R_role_cards", data: roleCards });

  const updated = Date.parse(c.updatedAt);
  const date = Number.isNaN(updated) ? new Date() : new Date(updated);
  return zip(
    [
      { name: "imsmanifest.xml", data: manifestXml(c, catalog, days, docs) },
      ...docs.map((d) => ({ name: d.href, data: d.data, store: true })),
      ...pages.map((p) => ({ name: p.href, data: sessionHtml(p, c, catalog) })),
    ],
    date,
  );
}

export const imsccExport: ExportFormat = {
  id: "imscc",
  scope: "curriculum",
  title: "IMS Common Cartridge 1.1 (Moodle, Canvas)",
  purpose: "The course for a learning platform: a section a day with a page a session (timing, what participants do, objectives, competencies), plus the participant syllabus and the role cards as PDFs.",
  audience: "participant",
  contentType: "application/vnd.ims.imsccv1p1",
  extension: "imscc",
  async build(context) {
    if (!context.curriculum) throw new Error("The IMS Common Cartridge export needs a curriculum.");
    return buildCartridge(context.curriculum, context);
  },
};
