import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function toFile(pdf: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), "pdf-")), "doc.pdf");
  writeFileSync(file, pdf);
  return file;
}

/** The text of a PDF as poppler's pdftotext reads it (layout off: reading order). */
export function pdfText(pdf: Buffer): string {
  return execFileSync("pdftotext", ["-enc", "UTF-8", toFile(pdf), "-"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** The text of each page, split on form feeds. */
export function pdfPages(pdf: Buffer): string[] {
  return pdfText(pdf).split("\f").slice(0, -1);
}

/** qpdf --check: exit code 0 and its report. */
export function qpdfCheck(pdf: Buffer): { ok: boolean; report: string } {
  const result = spawnSync("qpdf", ["--check", toFile(pdf)], { encoding: "utf8" });
  return { ok: result.status === 0, report: `${result.stdout}${result.stderr}` };
}

/** pdfinfo's fields (Pages, Page size, Tagged ...). */
export function pdfInfo(pdf: Buffer): Record<string, string> {
  const out = execFileSync("pdfinfo", [toFile(pdf)], { encoding: "utf8" });
  return Object.fromEntries(out.split("\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()]));
}

/** Collapses white space, so phrases that wrap across lines still match. */
export const flat = (text: string) => text.replace(/\s+/g, " ");
