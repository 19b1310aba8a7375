import { z } from "zod";
import { idSchema, titleSchema } from "./common.js";

const sessionRef = z.string().min(1, "must name a session of the curriculum");

/** One change a designer makes to a curriculum. Edits apply in order; the result is re-timed and re-checked. */
export const editSchema = z.discriminatedUnion("op", [
  /** Move a session to a new position (0-based) in the course. */
  z.strictObject({ op: z.literal("move"), session: sessionRef, to: z.number().int().min(0, "must be a position from 0") }),
  /** Change a session's length within its template's range. */
  z.strictObject({
    op: z.literal("resize"),
    session: sessionRef,
    minutes: z.number().int().refine((m) => m % 5 === 0, "must be a multiple of 5 minutes"),
  }),
  /** Replace a session with another template (an alternative). */
  z.strictObject({ op: z.literal("swap"), session: sessionRef, template: idSchema }),
  /** Add a template's session at a position (default: before the closing session). */
  z.strictObject({ op: z.literal("add"), template: idSchema, at: z.number().int().min(0).optional() }),
  z.strictObject({ op: z.literal("remove"), session: sessionRef }),
  /** Run a role-play or simulation with another scenario. */
  z.strictObject({ op: z.literal("scenario"), session: sessionRef, scenario: idSchema }),
]);
export type Edit = z.infer<typeof editSchema>;

/** PUT /api/curricula/{id}: the edits, made against a known version (optimistic concurrency). */
export const curriculumEditSchema = z.strictObject({
  version: z
    .number({ error: (issue) => (issue.input === undefined ? "is required: the version the edits were made against" : "must be a whole number of at least 1") })
    .int("must be a whole number of at least 1")
    .min(1, "must be a whole number of at least 1"),
  title: titleSchema.optional(),
  edits: z.array(editSchema).max(200, "must hold at most 200 edits").default([]),
});
export type CurriculumEdit = z.infer<typeof curriculumEditSchema>;
