import { beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { create } from "xmlbuilder2";
import { projectRoot } from "../../../src/config.js";
import type { Catalog } from "../../../src/content/index.js";
import type { Curriculum } from "../../../src/domain/index.js";
import type { ExportContext } from "../../../src/exports/export-format.js";
import { buildCartridge, escapeHtml, imsccExport } from "../../../src/exports/imscc.js";
import { PrintDocuments, type Paper } from "../../../src/render/print-documents.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

const CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1";
const LOM_MANIFEST = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest";

/** The smallest PDF a reader accepts: a catalog with an empty page tree. */
const TINY_PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n", "latin1");

let catalog: Catalog;
let documents: PrintDocuments;
beforeAll(async () => {
  catalog = await realCatalog();
  documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
});

/** A context whose `pdf` returns the tiny PDF and records the HTML it was given. */
function fakeContext(curriculum: Curriculum) {
  const printed: { html: string; paper: Paper }[] = [];
  const context: ExportContext = {
    catalog,
    documents,
    curriculum,
    options: {},
    pdf: async (html, paper) => {
      printed.push({ html, paper });
      return TINY_PDF;
    },
  };
  return { context, printed };
}

/** Reads a zip through its central directory (stored and deflated entries): name to bytes. */
function unzip(zip: Buffer): Map<string, Buffer> {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("no end of central directory");
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString("utf8", p + 46, p + 46 + nameLength);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, central directory says ${size}`);
    if (files.has(name)) throw new Error(`duplicate entry ${name}`);
    files.set(name, data);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function scratchFile(name: string, data: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), "imscc-")), name);
  writeFileSync(file, data);
  return file;
}

/** Runs a tool if it is installed: undefined when it is not. */
function run(command: string, args: string[]): { status: number | null; output: string } | undefined {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * The structure the CC 1.1 profile of Content Packaging 1.2 (ccv1p1_imscp_v1p2_v1p0.xsd) gives the manifest, written
 * out here because the profile's XSDs are not available from a package registry: metadata with the fixed schema and
 * version, one organization with a fixed structure and one untitled root item, titled items, resources of the
 * profile's types; identifiers are xs:ID (unique NCNames). (libxml2 does not resolve xs:IDREF in schema validation:
 * the identifiers test below checks that every identifierref names a resource.)
 */
const CC11_MANIFEST_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="${CP}" targetNamespace="${CP}" elementFormDefault="qualified">
  <xs:element name="manifest">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="metadata">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="schema"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="IMS Common Cartridge"/></xs:restriction></xs:simpleType></xs:element>
              <xs:element name="schemaversion"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="1.1.0"/></xs:restriction></xs:simpleType></xs:element>
              <xs:any namespace="${LOM_MANIFEST}" processContents="skip"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="organizations">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="organization" minOccurs="0">
                <xs:complexType>
                  <xs:sequence>
                    <xs:element name="title" type="xs:string" minOccurs="0"/>
                    <xs:element name="item" type="RootItem"/>
                  </xs:sequence>
                  <xs:attribute name="identifier" type="xs:ID" use="required"/>
                  <xs:attribute name="structure" type="xs:string" use="required" fixed="rooted-hierarchy"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="resources">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="resource" type="Resource" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="identifier" type="xs:ID" use="required"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="RootItem">
    <xs:sequence><xs:element name="item" type="Item" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attribute name="identifier" type="xs:ID" use="required"/>
  </xs:complexType>
  <xs:complexType name="Item">
    <xs:sequence>
      <xs:element name="title" type="xs:string"/>
      <xs:element name="item" type="Item" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="identifier" type="xs:ID" use="required"/>
    <xs:attribute name="identifierref" type="xs:IDREF"/>
  </xs:complexType>
  <xs:complexType name="Resource">
    <xs:sequence>
      <xs:element name="file" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:attribute name="href" type="xs:anyURI" use="required"/></xs:complexType></xs:element>
      <xs:element name="dependency" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:attribute name="identifierref" type="xs:IDREF" use="required"/></xs:complexType></xs:element>
    </xs:sequence>
    <xs:attribute name="identifier" type="xs:ID" use="required"/>
    <xs:attribute name="type" use="required">
      <xs:simpleType>
        <xs:restriction base="xs:string">
          <xs:enumeration value="webcontent"/>
          <xs:enumeration value="imsqti_xmlv1p2/imscc_xmlv1p1/assessment"/>
          <xs:enumeration value="imsqti_xmlv1p2/imscc_xmlv1p1/question-bank"/>
          <xs:enumeration value="associatedcontent/imscc_xmlv1p1/learning-application-resource"/>
          <xs:enumeration value="imsdt_xmlv1p1"/>
          <xs:enumeration value="imswl_xmlv1p1"/>
          <xs:enumeration value="imsbasiclti_xmlv1p0"/>
        </xs:restriction>
      </xs:simpleType>
    </xs:attribute>
    <xs:attribute name="href" type="xs:anyURI"/>
  </xs:complexType>
</xs:schema>
`;

type El = Element;
const childElements = (el: El, name?: string): El[] =>
  [...el.childNodes].filter((n): n is El => n.nodeType === 1 && (name === undefined || (n as El).localName === name));
const child = (el: El, name: string): El => {
  const found = childElements(el, name)[0];
  if (!found) throw new Error(`no <${name}> in <${el.localName}>`);
  return found;
};
const all = (el: El, name: string): El[] => [...el.getElementsByTagNameNS(CP, name)];
const titleOf = (item: El) => child(item, "title").textContent ?? "";

interface Built {
  curriculum: Curriculum;
  zip: Buffer;
  files: Map<string, Buffer>;
  manifestText: string;
  manifest: El;
  printed: { html: string; paper: Paper }[];
}

async function build(curriculum: Curriculum): Promise<Built> {
  const { context, printed } = fakeContext(curriculum);
  const zip = await imsccExport.build(context);
  const files = unzip(zip);
  const manifestText = files.get("imsmanifest.xml")?.toString("utf8") ?? "";
  const manifest = create(manifestText).root().node as unknown as El;
  return { curriculum, zip, files, manifestText, manifest, printed };
}

describe("the IMS Common Cartridge export", () => {
  let built: Built;
  beforeAll(async () => {
    built = await build(sampleCurriculum(catalog, { title: "Peer support, postal depots" }));
  });

  test("when its format is read, then it is the curriculum-scoped, participant-facing imscc format", () => {
    expect(imsccExport).toMatchObject({ id: "imscc", scope: "curriculum", audience: "participant", contentType: "application/vnd.ims.imsccv1p1", extension: "imscc" });
  });

  test("when built without a curriculum, then it says it needs one", async () => {
    const { context } = fakeContext(built.curriculum);
    await expect(imsccExport.build({ ...context, curriculum: undefined })).rejects.toThrow(/needs a curriculum/);
  });

  test("when unzipped, then imsmanifest.xml is at the root and the zip tests clean with unzip where installed", () => {
    expect([...built.files.keys()][0]).toBe("imsmanifest.xml");
    const check = run("unzip", ["-tq", scratchFile("course.imscc", built.zip)]);
    if (check) expect(check).toMatchObject({ status: 0 });
  });

  test("when the manifest is read, then it is well-formed (xmllint where installed) and has the CC 1.1 namespaces and metadata", () => {
    const file = scratchFile("imsmanifest.xml", built.manifestText);
    const lint = run("xmllint", ["--noout", "--nonet", file]);
    if (lint) expect(lint).toEqual({ status: 0, output: "" });
    const m = built.manifest;
    expect(m.localName).toBe("manifest");
    expect(m.namespaceURI).toBe(CP);
    expect(m.getAttribute("xmlns:lomimscc")).toBe(LOM_MANIFEST);
    expect(m.getAttribute("xmlns:lom")).toBe("http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource");
    expect(m.getAttribute("xsi:schemaLocation")).toContain("ccv1p1_imscp_v1p2_v1p0.xsd");
    const metadata = child(m, "metadata");
    expect(child(metadata, "schema").textContent).toBe("IMS Common Cartridge");
    expect(child(metadata, "schemaversion").textContent).toBe("1.1.0");
    const title = [...m.getElementsByTagNameNS(LOM_MANIFEST, "title")][0]!;
    expect(title.getElementsByTagNameNS(LOM_MANIFEST, "string")[0]?.textContent).toBe(built.curriculum.title);
  });

  test("when the manifest is validated against the CC 1.1 package structure, then xmllint accepts it (where installed)", () => {
    const xsd = scratchFile("cc11-structure.xsd", CC11_MANIFEST_XSD);
    const result = run("xmllint", ["--noout", "--nonet", "--schema", xsd, scratchFile("imsmanifest.xml", built.manifestText)]);
    if (result) expect(result.status).toBe(0);
  });

  test("when identifiers are collected, then they are unique, start with a letter, and every identifierref names a resource", () => {
    const withId = [built.manifest, ...all(built.manifest, "organization"), ...all(built.manifest, "item"), ...all(built.manifest, "resource")];
    const ids = withId.map((e) => e.getAttribute("identifier") ?? "");
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
    const resources = new Set(all(built.manifest, "resource").map((r) => r.getAttribute("identifier")));
    const refs = all(built.manifest, "item").filter((i) => i.hasAttribute("identifierref")).map((i) => i.getAttribute("identifierref"));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resources.has(ref)).toBe(true);
    // Every resource is used by an item, so the platforms show all of them.
    expect(new Set(refs)).toEqual(resources);
  });

  test("when resources are read, then each is webcontent whose href is one of its files, and every file is in the zip", () => {
    const hrefs = new Set<string>();
    for (const resource of all(built.manifest, "resource")) {
      expect(resource.getAttribute("type")).toBe("webcontent");
      const files = childElements(resource, "file").map((f) => f.getAttribute("href") ?? "");
      expect(files.length).toBeGreaterThan(0);
      expect(files).toContain(resource.getAttribute("href"));
      for (const href of files) {
        expect(built.files.has(href)).toBe(true);
        hrefs.add(href);
      }
    }
    for (const href of hrefs) expect(href).toMatch(/^(documents\/[a-z-]+\.pdf|sessions\/\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.html)$/);
    // ... and nothing in the zip is left out of the manifest.
    expect(new Set([...built.files.keys()].filter((n) => n !== "imsmanifest.xml"))).toEqual(hrefs);
  });

  test("when the organization is read, then there is one root, a documents folder, one item a course day (weekday and date) and one a session", () => {
    const organization = child(child(built.manifest, "organizations"), "organization");
    expect(organization.getAttribute("structure")).toBe("rooted-hierarchy");
    const roots = childElements(organization, "item");
    expect(roots).toHaveLength(1);
    expect(childElements(roots[0]!, "title")).toHaveLength(0);
    const [documentsFolder, ...days] = childElements(roots[0]!, "item");
    expect(titleOf(documentsFolder!)).toBe("Course documents");
    const c = built.curriculum;
    expect(days).toHaveLength(c.days.length);
    days.forEach((day, i) => {
      const date = c.days[i]!.date;
      const weekday = new Date(`${date}T12:00:00Z`).toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" });
      expect(titleOf(day)).toMatch(new RegExp(`^${weekday} \\d{1,2} [A-Z][a-z]+ ${date.slice(0, 4)}$`));
      expect(day.hasAttribute("identifierref")).toBe(false);
      const sessions = c.sessions.filter((s) => s.date === date);
      const items = childElements(day, "item");
      expect(items.map(titleOf)).toEqual(sessions.map((s) => `${s.start}–${s.end} ${s.title}`));
      for (const item of items) expect(childElements(item, "item")).toHaveLength(0);
    });
    expect(days.flatMap((d) => childElements(d, "item"))).toHaveLength(c.sessions.length);
  });

  test("when the course documents are read, then the syllabus and the role cards are PDFs printed from the participant editions on A4", () => {
    const organization = child(child(built.manifest, "organizations"), "organization");
    const folder = childElements(childElements(organization, "item")[0]!, "item")[0]!;
    const titles = childElements(folder, "item").map(titleOf);
    expect(titles).toEqual(["Participant syllabus (PDF)", "Role cards (PDF)"]);
    expect(built.files.get("documents/participant-syllabus.pdf")).toEqual(TINY_PDF);
    expect(built.files.get("documents/role-cards.pdf")).toEqual(TINY_PDF);
    const c = built.curriculum;
    const scenarios = [...new Set(c.sessions.flatMap((s) => s.scenarioIds))].map((id) => catalog.scenario(id)!);
    expect(scenarios.length).toBeGreaterThan(0);
    expect(built.printed.map((p) => p.paper)).toEqual(["a4", "a4"]);
    expect(built.printed.map((p) => p.html)).toEqual([documents.syllabus(c, "a4"), documents.scenarioPack(c.spec.sector, scenarios, "participant", "a4")]);
  });

  test("when a course has no scenarios, then there are no role cards and nothing points at them", async () => {
    const c = built.curriculum;
    const plain = await build({ ...c, sessions: c.sessions.map((s) => ({ ...s, scenarioIds: [] })) });
    expect(plain.files.has("documents/role-cards.pdf")).toBe(false);
    expect(plain.manifestText).not.toContain("role-cards");
    expect(plain.printed).toHaveLength(1);
  });

  test("when a session page is read, then it has the timing, what participants do, the objectives and the competencies by code and name", () => {
    const c = built.curriculum;
    const organization = child(child(built.manifest, "organizations"), "organization");
    const byId = new Map(all(built.manifest, "resource").map((r) => [r.getAttribute("identifier"), r.getAttribute("href")!]));
    const sessionItems = childElements(childElements(organization, "item")[0]!, "item").slice(1).flatMap((d) => childElements(d, "item"));
    const pages = sessionItems.map((i) => built.files.get(byId.get(i.getAttribute("identifierref"))!)!.toString("utf8"));
    const sessionsInOrder = c.days.flatMap((d) => c.sessions.filter((s) => s.date === d.date));
    sessionsInOrder.forEach((s, i) => {
      const page = pages[i]!;
      expect(page).toMatch(/^<!DOCTYPE html>/);
      expect(page).toContain(`${s.start}–${s.end}`);
      expect(page).toContain(`${s.minutes} minutes`);
      expect(page).toContain(escapeHtml(s.title));
      for (const objective of s.objectives) expect(page).toContain(escapeHtml(objective));
      for (const id of s.competencies) {
        const competency = catalog.competency(id)!;
        expect(page).toContain(escapeHtml(`${competency.code} ${competency.name}`));
      }
      if (s.method === "role-play" || s.method === "simulation") {
        for (const id of s.scenarioIds) expect(page).toContain(escapeHtml(catalog.scenario(id)!.title));
      }
      if (s.practice) expect(page).toContain(escapeHtml(catalog.rules.practice.formats.find((f) => f.id === s.practice!.format)!.name));
    });
    expect(sessionsInOrder.some((s) => s.method === "role-play" || s.method === "simulation")).toBe(true);
  });

  test("when a course is titled with markup, then the manifest and every page carry it escaped", async () => {
    const title = `<b>&"x"`;
    const marked = await build(sampleCurriculum(catalog, { title }));
    expect(marked.manifestText).toContain("&lt;b&gt;&amp;\"x\"");
    expect(marked.manifestText).not.toContain(title);
    const lomTitle = [...marked.manifest.getElementsByTagNameNS(LOM_MANIFEST, "string")][0]!;
    expect(lomTitle.textContent).toBe(title);
    const pages = [...marked.files].filter(([name]) => name.endsWith(".html")).map(([, data]) => data.toString("utf8"));
    expect(pages.length).toBe(marked.curriculum.sessions.length);
    for (const page of pages) {
      expect(page).toContain("&lt;b&gt;&amp;&quot;x&quot;");
      expect(page).not.toContain(title);
    }
  });

  test("when the same course is built twice, then the manifest is the same", async () => {
    const again = await buildCartridge(built.curriculum, fakeContext(built.curriculum).context);
    expect(unzip(again).get("imsmanifest.xml")?.toString("utf8")).toBe(built.manifestText);
  });

  test("when text is escaped for HTML, then markup characters become entities", () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  });
});
