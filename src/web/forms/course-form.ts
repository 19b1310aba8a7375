import type { Catalog } from "../../content/index.js";
import { courseSpecSchemaFor, WEEKDAYS, type CourseSpec } from "../../domain/index.js";
import { readPostedForm, type FieldKind } from "./form-fields.js";

/** The new-course form's fields: text inputs, and checkbox groups that arrive as lists. */
const FIELDS = {
  title: "single",
  sector: "single",
  tiers: "list",
  totalHours: "single",
  practicalShare: "single",
  startDate: "single",
  days: "list",
  dayStart: "single",
  maxHoursPerDay: "single",
  timezone: "single",
  groupSize: "single",
  focusDomains: "list",
} as const satisfies Record<string, FieldKind>;

type SingleField = { [K in keyof typeof FIELDS]: (typeof FIELDS)[K] extends "single" ? K : never }[keyof typeof FIELDS];
type ListField = { [K in keyof typeof FIELDS]: (typeof FIELDS)[K] extends "list" ? K : never }[keyof typeof FIELDS];

/** The form's values as text, as typed (trimmed), to show again beside any errors. */
export type CourseForm = Record<SingleField, string> & Record<ListField, string[]>;

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
  const posted = readPostedForm(body, (name) => (Object.hasOwn(FIELDS, name) ? FIELDS[name as keyof typeof FIELDS] : undefined));
  const form = Object.fromEntries(
    Object.entries(FIELDS).map(([name, kind]) => [name, kind === "list" ? (posted.list[name] ?? []) : (posted.single[name] ?? "").trim()]),
  ) as CourseForm;
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
  if (result.success && Object.keys(posted.problems).length === 0) return { spec: result.data, form };
  // Problems with the posted form itself (a repeated or unknown field) come first: they explain the rest.
  const errors: FieldErrors = { ...posted.problems };
  for (const issue of result.success ? [] : result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    // The form asks for the share in percent: say the rule in percent too.
    const message = field === "practicalShare" ? issue.message.replace("0.40", "40%").replace("0.80", "80%").replace(/a number between .*$/, "a percentage between 40 and 80") : issue.message;
    errors[field] ??= message;
  }
  return { errors, form };
}
