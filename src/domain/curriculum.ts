import { z } from "zod";
import { calendarDateSchema, idSchema, titleSchema } from "./common.js";
import { courseSpecSchema } from "./course-spec.js";
import { methodSchema } from "./method.js";

const clockTime = z.string().regex(/^\d{2}:\d{2}$/);

/** A scheduled session of a curriculum. */
export const scheduledSessionSchema = z.strictObject({
  id: z.string().min(1),
  templateId: idSchema,
  title: z.string(),
  method: methodSchema,
  practical: z.boolean(),
  minutes: z.number().int().positive(),
  date: calendarDateSchema,
  start: clockTime,
  end: clockTime,
  competencies: z.array(idSchema),
  /** Of `competencies`, those this session introduces and those it practises. */
  introduces: z.array(idSchema),
  practises: z.array(idSchema),
  tiers: z.array(idSchema),
  objectives: z.array(z.string()),
  scenarioIds: z.array(idSchema),
});
export type ScheduledSession = z.infer<typeof scheduledSessionSchema>;

export const courseDaySchema = z.strictObject({
  date: calendarDateSchema,
  start: clockTime,
  end: clockTime,
  breaks: z.array(z.strictObject({ start: clockTime, end: clockTime, label: z.string() })),
});
export type CourseDay = z.infer<typeof courseDaySchema>;

export const totalsSchema = z.strictObject({
  contactMinutes: z.number().int(),
  practicalMinutes: z.number().int(),
  practicalShare: z.number(),
  byMethod: z.record(z.string(), z.number().int()),
});
export type Totals = z.infer<typeof totalsSchema>;

export const coverageSchema = z.strictObject({
  covered: z.array(z.strictObject({ competency: idSchema, sessions: z.array(z.string()) })),
  uncovered: z.array(idSchema),
});
export type Coverage = z.infer<typeof coverageSchema>;

/** A stored, scheduled curriculum. */
export const curriculumSchema = z.strictObject({
  id: z.string().min(1),
  /** Optimistic-concurrency counter: an edit must name the version it was made against. */
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  title: titleSchema,
  spec: courseSpecSchema,
  sessions: z.array(scheduledSessionSchema),
  days: z.array(courseDaySchema),
  totals: totalsSchema,
  coverage: coverageSchema,
  /** The sector's emphasised competencies that the hours could not hold (never silently dropped). */
  omittedEmphasis: z.array(idSchema),
});
export type Curriculum = z.infer<typeof curriculumSchema>;
