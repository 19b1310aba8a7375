import { readFile, rename, writeFile } from "node:fs/promises";
import type { Stats } from "node:fs";
import { z } from "zod";
import type { CurriculumSummary } from "./curriculum-repository.js";

/**
 * What identifies one version of a stored file without reading it: its size, modification time and inode. lowdb
 * replaces a file by renaming a new one over it, so every save also gets a new inode; a file whose stamp still
 * matches the index's has, as far as the file system tells, not been written since the index was.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What the index keeps of one curriculum file: its stamp when the summary was taken, its version and list row. */
export interface IndexEntry {
  stamp: FileStamp;
  version: number;
  summary: CurriculumSummary;
}

export function stampOf(stats: Stats): FileStamp {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** A list row in the same shape (and key order) `summarise` gives, so rows from the index and from files compare equal. */
export function normalSummary(s: CurriculumSummary): CurriculumSummary {
  return { id: s.id, organisationId: s.organisationId, title: s.title, sector: s.sector, totalHours: s.totalHours, practicalShare: s.practicalShare, updatedAt: s.updatedAt };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const summarySchema = z.strictObject({
  id: z.string().regex(UUID),
  organisationId: z.string().optional(),
  title: z.string(),
  sector: z.string(),
  totalHours: z.number(),
  practicalShare: z.number(),
  updatedAt: z.string(),
});

const entrySchema = z.strictObject({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  ino: z.number(),
  version: z.number().int().positive(),
  summary: summarySchema,
});

/** Bumped whenever the layout changes: an index of another format is ignored (the store then reads every file). */
const FORMAT = 1;

const indexSchema = z.strictObject({
  format: z.literal(FORMAT),
  files: z.record(z.string().regex(UUID), entrySchema),
});

/**
 * Reads the index, or undefined when there is none or it cannot be trusted as a whole (not JSON, another format,
 * an entry of the wrong shape, an entry under another curriculum's id): the store then reads every file, as it
 * would without an index. Never throws.
 */
export async function readStoreIndex(path: string): Promise<Map<string, IndexEntry> | undefined> {
  try {
    const parsed = indexSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    if (!parsed.success) return undefined;
    const entries = new Map<string, IndexEntry>();
    for (const [id, { size, mtimeMs, ino, version, summary }] of Object.entries(parsed.data.files)) {
      if (summary.id !== id) return undefined;
      entries.set(id, { stamp: { size, mtimeMs, ino }, version, summary: normalSummary(summary) });
    }
    return entries;
  } catch {
    return undefined;
  }
}

/** The index's temporary file, renamed over the index once written whole. */
export function indexTempFile(path: string): string {
  return `${path}.tmp`;
}

/** Writes the index whole: a temporary file renamed over the old one, so a crash leaves the old index or the new one. */
export async function writeStoreIndex(path: string, entries: Iterable<[string, IndexEntry]>): Promise<void> {
  const files: Record<string, z.input<typeof entrySchema>> = {};
  for (const [id, { stamp, version, summary }] of entries) files[id] = { ...stamp, version, summary };
  const temp = indexTempFile(path);
  await writeFile(temp, JSON.stringify({ format: FORMAT, files }));
  await rename(temp, path);
}
