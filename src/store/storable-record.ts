import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import { curriculumSchema, type Curriculum } from "../domain/index.js";
import { formatPath } from "../content/content-error.js";
import { InvalidRecordError, type RecordIssue } from "./store-errors.js";

function schemaIssues(error: z.ZodError): RecordIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** The path of the first place where `a` and `b` differ, for the message; empty when only the records as a whole differ. */
function firstDifference(a: unknown, b: unknown, path: PropertyKey[] = []): PropertyKey[] {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return path;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return path;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const name = Array.isArray(a) ? Number(key) : key;
    if (!(key in a) || !(key in b)) return [...path, name];
    const left = (a as Record<string, unknown>)[key];
    const right = (b as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(left, right)) return firstDifference(left, right, [...path, name]);
  }
  return path;
}

/**
 * Checks a curriculum exactly as the store will later read it, before anything is written: it must pass
 * `curriculumSchema`, and the schema's output, written as JSON and read back through the schema again, must come
 * back valid and identical. Otherwise a save would be acknowledged that start-up then refuses (or reads back as
 * something else: NaN becomes null, an undefined field disappears).
 *
 * Returns the value to store: the schema's output, as a fresh copy that shares nothing with the caller's object.
 * Throws InvalidRecordError listing the problems otherwise.
 */
export function storableCurriculum(candidate: Curriculum): Curriculum {
  const parsed = curriculumSchema.safeParse(candidate);
  if (!parsed.success) throw new InvalidRecordError(schemaIssues(parsed.error));

  let json: string;
  try {
    json = JSON.stringify(parsed.data);
  } catch (error) {
    // A BigInt or a cycle: the schema should never let one through, but the file could not hold it.
    throw new InvalidRecordError([{ path: "", message: `cannot be written as JSON (${(error as Error).message})` }]);
  }
  const readBack = curriculumSchema.safeParse(JSON.parse(json));
  if (!readBack.success) throw new InvalidRecordError(schemaIssues(readBack.error));
  if (!isDeepStrictEqual(readBack.data, parsed.data)) {
    throw new InvalidRecordError([{ path: formatPath(firstDifference(parsed.data, readBack.data)), message: "would read back from its JSON file as a different value" }]);
  }
  return readBack.data;
}
