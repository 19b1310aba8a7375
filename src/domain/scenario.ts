import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";
import { scenarioMethodSchema } from "./method.js";

export const difficultySchema = z.enum(["introductory", "intermediate", "advanced"]);
export type Difficulty = z.infer<typeof difficultySchema>;

export const roleKindSchema = z.enum(["peer-supporter", "supported", "third-party", "observer"]);

export const scenarioRoleSchema = z.strictObject({
  id: idSchema,
  kind: roleKindSchema,
  /** Who this is, e.g. "Staff nurse on the night shift". */
  name: textSchema,
  /** The private brief handed to whoever plays the role. */
  brief: textSchema,
  /** Who plays it: a participant (default), or a trainer or trained actor (a suicidal colleague, a hostile manager). */
  playedBy: z.enum(["participant", "trainer", "actor"]).default("participant"),
});
export type ScenarioRole = z.infer<typeof scenarioRoleSchema>;

/** A role-play or simulation a trainer runs (content/scenarios/<sector>/). */
export const scenarioSchema = z
  .strictObject({
    id: idSchema,
    title: textSchema,
    sector: idSchema,
    method: scenarioMethodSchema,
    tiers: z.array(idSchema).min(1, "must name at least one ERNST level"),
    difficulty: difficultySchema,
    /** Topics of content/course-rules.json the scenario holds (suicidal-content, substance-misuse, three-stations ...). */
    topics: z.array(idSchema).default([]),
    minutes: z.strictObject({
      brief: z.number().int().min(2).max(15),
      play: z.number().int().min(5).max(30),
      debrief: z.number().int().min(5).max(30),
    }),
    objectives: z
      .array(z.strictObject({ text: textSchema, competencies: z.array(idSchema).min(1) }))
      .min(2, "must list at least 2 objectives")
      .max(3, "must list at most 3 objectives"),
    setting: textSchema,
    roles: z.array(scenarioRoleSchema).min(2, "must have at least 2 roles"),
    opening: z.strictObject({ role: idSchema, line: textSchema }),
    triggers: z
      .array(z.strictObject({ cue: textSchema, escalation: textSchema, expectedResponse: textSchema }))
      .min(2, "must list at least 2 escalation triggers"),
    checklist: z
      .array(z.strictObject({ competency: idSchema, behaviour: textSchema }))
      .min(3, "must list at least 3 observable behaviours"),
    debrief: z.array(textSchema).min(3, "must list at least 3 debrief questions"),
    deroling: textSchema,
    safetyNote: textSchema,
    sources: sourcesSchema,
  })
  .superRefine((s, ctx) => {
    const kinds = s.roles.map((r) => r.kind);
    for (const needed of ["peer-supporter", "supported"] as const) {
      if (!kinds.includes(needed)) ctx.addIssue({ code: "custom", path: ["roles"], message: `must include a ${needed} role` });
    }
    const roleIds = new Set(s.roles.map((r) => r.id));
    if (roleIds.size !== s.roles.length) ctx.addIssue({ code: "custom", path: ["roles"], message: "role ids must be unique" });
    if (!roleIds.has(s.opening.role)) {
      ctx.addIssue({ code: "custom", path: ["opening", "role"], message: `names no role of this scenario: "${s.opening.role}"` });
    }
    if (s.minutes.debrief < s.minutes.play) {
      ctx.addIssue({ code: "custom", path: ["minutes", "debrief"], message: "the debrief must be at least as long as the play" });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;

/** Easier first: the order scenarios are offered and practised in. */
export const DIFFICULTY_RANK: Readonly<Record<Difficulty, number>> = { introductory: 0, intermediate: 1, advanced: 2 };

/** The competencies a scenario practises: those its objectives and observer checklist name. */
export function scenarioCompetencies(s: Pick<Scenario, "objectives" | "checklist">): string[] {
  return [...new Set([...s.objectives.flatMap((o) => o.competencies), ...s.checklist.map((c) => c.competency)])];
}

/** The scenario library's filters (API, pages, packs, CLI): every given filter must match. */
export function matchesScenarioFilter(s: Scenario, filter: { sector?: string; tier?: string; competency?: string }): boolean {
  return (
    (!filter.sector || s.sector === filter.sector) &&
    (!filter.tier || s.tiers.includes(filter.tier)) &&
    (!filter.competency || scenarioCompetencies(s).includes(filter.competency))
  );
}

/** Total minutes a scenario takes: brief, play and debrief. */
export function scenarioMinutes(s: Pick<Scenario, "minutes">): number {
  return s.minutes.brief + s.minutes.play + s.minutes.debrief;
}
