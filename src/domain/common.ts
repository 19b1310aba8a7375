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
