import { z } from "zod";
import { calendarDateSchema, idSchema, titleSchema } from "./common.js";
import { courseSpecSchema } from "./course-spec.js";
import { methodSchema } from "./method.js";

const clockTime = z.string().regex(/^\d{2}:\d{2}$/);

/** How a practical session runs for the course's group. */
export const practiceSchema = z.strictObject({
  format: z.enum(["pairs", "triads", "fishbowl", "stations", "whole-group"]),
  rounds: z.number().int().min(1),
  /** Supporter turns each participant gets in this session (a triad round gives each a third of a turn). */
  supporterTurnsPerParticipant: z.number().min(0),
});
export type Practice = z.infer<typeof practiceSchema>;

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
  /** Its place in the course arc (a phase of content/course-rules.json). Absent on curricula made before phases. */
  phase: idSchema.optional(),
  /** Practical sessions: how it runs for this group, and how often each participant sits in the supporter's chair. */
  practice: practiceSchema.optional(),
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
  /** The sum over practical sessions. Absent on curricula made before practice was sized by the group. */
  supporterTurnsPerParticipant: z.number().min(0).optional(),
});
export type Totals = z.infer<typeof totalsSchema>;

export const coverageSchema = z.strictObject({
  covered: z.array(z.strictObject({ competency: idSchema, sessions: z.array(z.string()) })),
  uncovered: z.array(idSchema),
});
export type Coverage = z.infer<typeof coverageSchema>;

/** One rule of the course audit and how the curriculum stands against it. */
export const auditEntrySchema = z.strictObject({
  rule: z.string().min(1),
  /** The rule in a trainer's words. */
  label: z.string().min(1),
  status: z.enum(["met", "not-met", "not-applicable"]),
  /** Required rules cannot be broken by an edit; advised ones are shown. */
  required: z.boolean(),
  detail: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Who the course needs in the room. */
export const staffingSchema = z.strictObject({
  trainers: z.number().int().min(1),
  /** Trained actors for roles a participant must not play (beyond what the trainers can play). */
  actors: z.number().int().min(0),
  /** Why, in a sentence. */
  note: z.string(),
});
export type Staffing = z.infer<typeof staffingSchema>;

/** A stored, scheduled curriculum. */
export const curriculumSchema = z.strictObject({
  id: z.string().min(1),
  /** Optimistic-concurrency counter: an edit must name the version it was made against. */
  version: z.number().int().min(1),
  /** The organisation it belongs to; absent only in a store from before accounts, until set-up adopts it. */
  organisationId: z.uuid().optional(),
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
  staffing: staffingSchema.optional(),
  /** The course audit at the time it was planned or last edited (the pages show it afresh). */
  audit: z.array(auditEntrySchema).optional(),
});
export type Curriculum = z.infer<typeof curriculumSchema>;
