import { z } from "zod";
import { calendarDateSchema, idSchema, titleSchema } from "./common.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const weekdaySchema = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof weekdaySchema>;

/** zod's message for a missing or mistyped field, in the words of the other rules. */
const required = (expected: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${expected}`),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time as HH:mm (24-hour)");

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * What a training designer asks for. The shape is fixed here; ids (sector, tiers, focus domains) are checked
 * against the loaded catalog by `courseSpecSchemaFor`, because an organisation may load its own content.
 */
export const courseSpecSchema = z.strictObject({
  title: titleSchema,
  sector: z.string(required("a sector id")).pipe(idSchema),
  tiers: z.array(idSchema).default([]),
  totalHours: z
    .number(required("a number of hours"))
    .min(4, "must be at least 4 hours")
    .max(80, "must be at most 80 hours")
    .refine((h) => Number.isInteger(h * 2), "must be in steps of 0.5 hours"),
  practicalShare: z
    .number({ error: "must be a number between 0.40 and 0.80" })
    .min(0.4, "must be at least 0.40: the review recommends at least 40% practical training")
    .max(0.8, "must be at most 0.80")
    .default(0.5),
  startDate: calendarDateSchema,
  days: z.array(weekdaySchema).min(1, "must name at least one weekday").default(["mon", "tue", "wed", "thu", "fri"]),
  dayStart: clockTime.default("09:00"),
  maxHoursPerDay: z
    .number({ error: "must be a number of hours" })
    .min(2, "must be at least 2 hours")
    .max(8, "must be at most 8 hours")
    .refine((h) => Number.isInteger(h * 2), "must be in steps of 0.5 hours")
    .default(6),
  timezone: z.string().refine(isIanaZone, "must be an IANA time zone such as Europe/Madrid").default("UTC"),
  groupSize: z.number().int("must be a whole number").min(4, "must be at least 4").max(30, "must be at most 30").default(12),
  focusDomains: z.array(idSchema).default([]),
});
/** A course day must end before midnight, breaks included (they add at most half the contact time). */
function endsBeforeMidnight(spec: { dayStart: string; maxHoursPerDay: number }, ctx: z.RefinementCtx): void {
  const [h, m] = spec.dayStart.split(":").map(Number);
  const latestEnd = (h ?? 0) * 60 + (m ?? 0) + spec.maxHoursPerDay * 60 * 1.5;
  if (latestEnd > 24 * 60) {
    const latestStart = 24 * 60 - spec.maxHoursPerDay * 90;
    const clock = `${String(Math.floor(latestStart / 60)).padStart(2, "0")}:${String(latestStart % 60).padStart(2, "0")}`;
    ctx.addIssue({ code: "custom", path: ["dayStart"], message: `must leave the day time to end before midnight: with ${spec.maxHoursPerDay} contact hours a day, start at ${clock} at the latest` });
  }
}

/** A validated course spec, defaults filled in. */
export type CourseSpec = z.infer<typeof courseSpecSchema>;
/** A course spec as a client may send it, before defaults. */
export type CourseSpecInput = z.input<typeof courseSpecSchema>;

export interface CatalogIds {
  sectors: readonly string[];
  tiers: readonly string[];
  domains: readonly string[];
  /** Tier ids that every curriculum includes (peer support and triage). */
  alwaysIncludedTiers: readonly string[];
}

function oneOf(allowed: readonly string[]) {
  return (value: string) => allowed.includes(value);
}

/** The course spec schema bound to the ids of a loaded catalog; adds the always-included levels. */
export function courseSpecSchemaFor(ids: CatalogIds) {
  return courseSpecSchema
    .extend({
      sector: z.string(required("a sector id")).refine(oneOf(ids.sectors), `must be one of: ${ids.sectors.join(", ")}`),
      tiers: z.array(idSchema.refine(oneOf(ids.tiers), `must be one of: ${ids.tiers.join(", ")}`)).default([]),
      focusDomains: z.array(idSchema.refine(oneOf(ids.domains), `must be one of: ${ids.domains.join(", ")}`)).default([]),
    })
    .superRefine(endsBeforeMidnight)
    .transform((spec) => {
      // Keep the catalog's level order and drop repeats, so equal requests give equal specs.
      const chosen = new Set([...spec.tiers, ...ids.alwaysIncludedTiers]);
      return {
        ...spec,
        tiers: ids.tiers.filter((t) => chosen.has(t)),
        days: WEEKDAYS.filter((d) => spec.days.includes(d)),
        focusDomains: ids.domains.filter((d) => spec.focusDomains.includes(d)),
      };
    });
}
