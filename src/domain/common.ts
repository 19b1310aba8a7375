import { z } from "zod";

/** A stable, URL-safe identifier: lower-case words joined by single hyphens. */
export const idSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be kebab-case (lower-case letters, digits, single hyphens)")
  .max(80, "must be at most 80 characters");

/** Ids of entries in content/sources.json; every content item cites at least one. */
export const sourcesSchema = z.array(idSchema).min(1, "must cite at least one source id");

/** Non-empty prose written in the project's own words. */
export const textSchema = z.string().trim().min(1, "must not be empty");

/** A bibliography entry that content items cite by id. */
export const sourceSchema = z.strictObject({
  id: idSchema,
  /** Short form shown in print, e.g. "Sánchez-García et al., BMJ Open 2025". */
  short: textSchema,
  /** Full citation. */
  citation: textSchema,
  doi: z.string().optional(),
  url: z.string().url().optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const sourceListSchema = z.strictObject({ sources: z.array(sourceSchema).min(1) });

// eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Letters, digits, punctuation or symbols: something a reader can see (not only spaces or invisible format marks). */
const VISIBLE_CHARACTER = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** The longest title a course may have, in UTF-16 code units (what browsers' `maxlength` counts). */
export const TITLE_MAX_LENGTH = 200;

/**
 * A course title, wherever it enters: the JSON API, the new-course and edit forms, the CLI and the store. Trimmed,
 * 1-200 characters, at least one visible character, no control characters (C0, DEL, C1): a title is printed in page
 * headers, file names and exports, where a control character would corrupt the output.
 */
export const titleSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") })
  .trim()
  .min(1, "must not be empty")
  .max(TITLE_MAX_LENGTH, `must be at most ${TITLE_MAX_LENGTH} characters`)
  .refine((t) => !CONTROL_CHARACTERS.test(t), "must not contain control characters (such as tabs, line breaks or escape codes)")
  .refine((t) => t.length === 0 || VISIBLE_CHARACTER.test(t), "must contain at least one visible character");

/** Shortens a title to the limit without cutting a character (or a surrogate pair) in half. */
export function fitTitle(title: string): string {
  let out = "";
  for (const ch of title) {
    if (out.length + ch.length > TITLE_MAX_LENGTH) break;
    out += ch;
  }
  return out.trim();
}

/** The calendar this app plans in: years 0001 to 9999, the range of a four-digit ISO date. */
export const FIRST_CALENDAR_DATE = "0001-01-01";
export const LAST_CALENDAR_DATE = "9999-12-31";

/** Whether `s` is a real calendar date written YYYY-MM-DD within the years 0001-9999. */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || s < FIRST_CALENDAR_DATE) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A date as YYYY-MM-DD: real (no 31 February) and within the years 0001-9999. */
export const calendarDateSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a date as YYYY-MM-DD") })
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine(isCalendarDate, `must be a real calendar date from ${FIRST_CALENDAR_DATE} to ${LAST_CALENDAR_DATE}`);
