import { z } from "zod";

/** Session methods of the teaching model. */
export const METHODS = [
  "lecture",
  "demonstration",
  "discussion",
  "case-study",
  "role-play",
  "simulation",
  "supervised-practice",
  "reflection",
  "assessment",
] as const;
export const methodSchema = z.enum(METHODS);
export type Method = z.infer<typeof methodSchema>;

/** The review's definition of practical training; nothing else counts toward the practical share. */
export const PRACTICAL_METHODS: readonly Method[] = ["role-play", "simulation", "supervised-practice"];
/** Methods that introduce a competency (input before practice). */
export const INPUT_METHODS: readonly Method[] = ["lecture", "demonstration", "discussion", "case-study"];
/** Practical methods that must name a scenario. */
export const SCENARIO_METHODS = ["role-play", "simulation"] as const;
export const scenarioMethodSchema = z.enum(SCENARIO_METHODS);
export type ScenarioMethod = z.infer<typeof scenarioMethodSchema>;

export function isPractical(method: Method): boolean {
  return PRACTICAL_METHODS.includes(method);
}

export const METHOD_LABELS: Record<Method, string> = {
  lecture: "Lecture",
  demonstration: "Demonstration",
  discussion: "Discussion",
  "case-study": "Case study",
  "role-play": "Role-play",
  simulation: "Simulation",
  "supervised-practice": "Supervised practice",
  reflection: "Reflection",
  assessment: "Assessment",
};
