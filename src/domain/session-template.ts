import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";
import { isPractical, methodSchema, scenarioMethodSchema } from "./method.js";

const fiveMinuteSteps = z
  .number()
  .int()
  .min(5, "must be at least 5 minutes")
  .max(90, "must be at most 90 minutes")
  .refine((m) => m % 5 === 0, "must be a multiple of 5 minutes");

/** One step of a session plan, with what the facilitator does and says. */
export const planStepSchema = z.strictObject({
  step: textSchema,
  minutes: z.number().int().min(1),
  do: textSchema,
  say: textSchema,
});
export type PlanStep = z.infer<typeof planStepSchema>;

/**
 * What a session is for in the shape of a course. The planner places `opening` first, `closing` last, and puts a
 * `deroling` session after heavy practice, a `check-in` at the start of every day after the first, and the
 * `station` (the final practical assessment) before the closing in certifying courses; `content` sessions are chosen
 * for the competencies they cover.
 */
export const sessionPurposeSchema = z.enum(["opening", "closing", "check-in", "deroling", "station", "content"]);
export type SessionPurpose = z.infer<typeof sessionPurposeSchema>;

/** A reusable session the planner chooses from (content/sessions/). */
export const sessionTemplateSchema = z
  .strictObject({
    id: idSchema,
    title: textSchema,
    summary: textSchema,
    method: methodSchema,
    purpose: sessionPurposeSchema.default("content"),
    /** Where it sits in the course arc: a phase id of content/course-rules.json. */
    phase: idSchema,
    /**
     * Topics of content/course-rules.json it covers: taught by an input session, practised by a practical one. The
     * course rules speak in topics ("a PFA model taught", "warm handover practised").
     */
    topics: z.array(idSchema).default([]),
    minutes: z.strictObject({ default: fiveMinuteSteps, min: fiveMinuteSteps, max: fiveMinuteSteps }),
    /** ERNST level ids the session serves. */
    tiers: z.array(idSchema).min(1, "must name at least one ERNST level"),
    /** "all", or the sector ids it is written for. */
    sectors: z.union([z.literal("all"), z.array(idSchema).min(1)]),
    /** Specific competency ids the session introduces (input methods) ... */
    introduces: z.array(idSchema).default([]),
    /** ... and those it practises (practical methods). */
    practises: z.array(idSchema).default([]),
    objectives: z.array(textSchema).min(2, "must list at least 2 objectives").max(4, "must list at most 4 objectives"),
    plan: z.array(planStepSchema).min(2, "must have at least 2 steps"),
    materials: z.array(textSchema).default([]),
    /** Session template ids that must come earlier in a course. */
    prerequisites: z.array(idSchema).default([]),
    /** For role-play and simulation: the kind of scenario it runs. */
    scenario: z
      .strictObject({
        method: scenarioMethodSchema,
        note: textSchema,
        /** Topics the scenario must hold (a suicidal disclosure, three triage stations). */
        requires: z.array(idSchema).default([]),
        /** The colleague is played by a trainer or actor, never by a fellow participant (suicide risk). */
        trainerPlays: z.boolean().default(false),
      })
      .optional(),
    /**
     * For practical methods: how the session can run, in order of preference (pairs, triads, fishbowl, stations,
     * whole group), the minutes of one round (brief, play, feedback) and the minutes around the rounds (set-up,
     * plenary debrief). The planner chooses the format and the rounds from the group size.
     */
    practice: z
      .strictObject({
        formats: z.array(z.enum(["pairs", "triads", "fishbowl", "stations", "whole-group"])).min(1),
        roundMinutes: z.number().int().min(5).max(60),
        fixedMinutes: z.number().int().min(0).max(60),
      })
      .optional(),
    /** For practical methods: the debrief held inside the session. */
    debrief: z.strictObject({ minutes: z.number().int().min(5), questions: z.array(textSchema).min(2) }).optional(),
    /** Emotionally heavy practice: the planner follows it with de-roling or reflection. */
    heavy: z.boolean().default(false),
    sources: sourcesSchema,
  })
  .superRefine((t, ctx) => {
    const { min, max } = t.minutes;
    if (!(min <= t.minutes.default && t.minutes.default <= max)) {
      ctx.addIssue({ code: "custom", path: ["minutes"], message: "must satisfy min <= default <= max" });
    }
    const planned = t.plan.reduce((sum, s) => sum + s.minutes, 0);
    if (planned !== t.minutes.default) {
      ctx.addIssue({ code: "custom", path: ["plan"], message: `step minutes add up to ${planned}, not the default ${t.minutes.default}` });
    }
    const practical = isPractical(t.method);
    if (practical && t.practises.length === 0) {
      ctx.addIssue({ code: "custom", path: ["practises"], message: "a practical session must practise at least one competency" });
    }
    if (!practical && t.practises.length > 0) {
      ctx.addIssue({ code: "custom", path: ["practises"], message: `a ${t.method} session cannot practise competencies (only role-play, simulation, supervised practice do)` });
    }
    if (practical && !t.practice) {
      ctx.addIssue({ code: "custom", path: ["practice"], message: "a practical session must say how it runs (formats, round and fixed minutes)" });
    }
    if (t.practice && t.practice.fixedMinutes + t.practice.roundMinutes > t.minutes.max) {
      ctx.addIssue({ code: "custom", path: ["practice"], message: "one round and the fixed minutes must fit within the session's maximum length" });
    }
    if (practical && !t.debrief) {
      ctx.addIssue({ code: "custom", path: ["debrief"], message: "a practical session must include a debrief" });
    }
    if ((t.method === "role-play" || t.method === "simulation") && t.scenario?.method !== t.method) {
      ctx.addIssue({ code: "custom", path: ["scenario"], message: `a ${t.method} session must take a ${t.method} scenario` });
    }
  });
export type SessionTemplate = z.infer<typeof sessionTemplateSchema>;
