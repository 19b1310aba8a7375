import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { z } from "zod";
import { formatPath, type ContentProblem } from "./content-error.js";

/** A content file that parsed and passed its schema, with its path for later reference errors. */
export interface Parsed<T> {
  file: string;
  value: T;
}

/** Turns a JSON.parse position ("at position 123") into "line L, column C" so an author can find it. */
function describeJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return `is not valid JSON: ${error.message}`;
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `is not valid JSON (line ${line}, column ${column}): ${error.message}`;
}

/**
 * Reads one JSON file and validates it. Problems are collected, not thrown, so that one load reports every
 * broken file at once.
 */
export async function readContentFile<S extends z.ZodType>(
  root: string,
  path: string,
  schema: S,
  problems: ContentProblem[],
): Promise<Parsed<z.infer<S>> | undefined> {
  const file = relative(root, path) || path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({ file, path: "", message: code === "ENOENT" ? "is missing" : `cannot be read (${code ?? String(error)})` });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push({ file, path: "", message: describeJsonError(text, error as Error) });
    return undefined;
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push({ file, path: formatPath(issue.path), message: issue.message });
    return undefined;
  }
  return { file, value: result.data };
}

/** The .json files directly inside a folder, sorted so that loading is deterministic; [] when it does not exist. */
export async function listJsonFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith(".json")).map((e) => join(dir, e.name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Sub-folders of a folder, sorted; [] when it does not exist. */
export async function listFolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
