import { z } from "zod";
import type { Catalog } from "../../content/index.js";
import { courseSpecSchemaFor, WEEKDAYS, type CourseSpec } from "../../domain/index.js";

/** What the new-course form posts: every value is text; checkboxes arrive as one value or a list. */
const list = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const text = z.string().optional().transform((v) => (v ?? "").trim());

export const courseFormSchema = z.object({
  title: text,
  sector: text,
  tiers: list,
  totalHours: text,
  practicalShare: text,
  startDate: text,
  days: list,
  dayStart: text,
  maxHoursPerDay: text,
  timezone: text,
  groupSize: text,
  focusDomains: list,
});
export type CourseForm = z.infer<typeof courseFormSchema>;

/** The form as first shown: sensible defaults, so one click makes a course. */
export function defaultCourseForm(catalog: Catalog, today: Date): CourseForm {
  const start = new Date(today.getTime() + 14 * 86_400_000);
  return {
    title: "Peer supporter foundation course",
    sector: catalog.ids.sectors[0] ?? "",
    tiers: [...catalog.ids.alwaysIncludedTiers],
    totalHours: "16",
    practicalShare: "50",
    startDate: start.toISOString().slice(0, 10),
    days: ["mon", "tue", "wed", "thu", "fri"],
    dayStart: "09:00",
    maxHoursPerDay: "6",
    timezone: "UTC",
    groupSize: "12",
    focusDomains: [],
  };
}

const number = (value: string) => (value === "" ? undefined : Number(value));

export type FieldErrors = Record<string, string>;

/** Parses a posted form into a course spec, or the message for each field that breaks a rule. */
export function parseCourseForm(body: unknown, catalog: Catalog): { spec: CourseSpec; form: CourseForm } | { errors: FieldErrors; form: CourseForm } {
  const form = courseFormSchema.parse(body ?? {});
  const share = number(form.practicalShare);
  const result = courseSpecSchemaFor(catalog.ids).safeParse({
    title: form.title,
    sector: form.sector || undefined,
    tiers: form.tiers,
    totalHours: number(form.totalHours),
    practicalShare: share === undefined ? undefined : share / 100,
    startDate: form.startDate || undefined,
    days: form.days.filter((d): d is (typeof WEEKDAYS)[number] => (WEEKDAYS as readonly string[]).includes(d)).length === form.days.length ? form.days : ["?"],
    dayStart: form.dayStart || undefined,
    maxHoursPerDay: number(form.maxHoursPerDay),
    timezone: form.timezone || undefined,
    groupSize: number(form.groupSize),
    focusDomains: form.focusDomains,
  });
  if (result.success) return { spec: result.data, form };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    // The form asks for the share in percent: say the rule in percent too.
    const message = field === "practicalShare" ? issue.message.replace("0.40", "40%").replace("0.80", "80%").replace(/a number between .*$/, "a percentage between 40 and 80") : issue.message;
    errors[field] ??= message;
  }
  return { errors, form };
}
