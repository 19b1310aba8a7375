import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/**
 * The rules an experienced peer-support trainer holds a course to (content/course-rules.json): the arc's phases,
 * the topics sessions and scenarios are tagged with, the content that becomes mandatory from a course length, the
 * order in which things must be taught, the practice each participant gets, and the shape of a course day. The
 * planner plans to satisfy them and the course audit checks every curriculum against them; an organisation changes
 * them in its own content folder like the rest of its content.
 */

/** A phase of the course arc; a course runs through the phases in the order the file lists them. */
export const phaseSchema = z.strictObject({ id: idSchema, name: textSchema, summary: textSchema });
export type Phase = z.infer<typeof phaseSchema>;

/**
 * A topic a session teaches or practises, or a kind of content a scenario holds (`suicidal-content`). Topics are
 * what the course rules speak of: "PFA taught", "warm handover practised".
 */
export const topicSchema = z.strictObject({ id: idSchema, name: textSchema, summary: textSchema });
export type Topic = z.infer<typeof topicSchema>;

/**
 * How a topic must appear. `taught`: an input session (lecture, demonstration, discussion, case study) covers it;
 * `practised`: a role-play, simulation or supervised practice covers it; `covered`: either.
 */
export const topicUseSchema = z.enum(["taught", "practised", "covered"]);
export type TopicUse = z.infer<typeof topicUseSchema>;

const sectorsSchema = z.union([z.literal("all"), z.array(idSchema).min(1)]);

/** Content a course must hold from a length on (more may come earlier). */
export const mandatoryContentSchema = z.strictObject({
  id: idSchema,
  /** From this many contact hours on. */
  fromHours: z.number().min(0).max(80),
  sectors: sectorsSchema,
  topic: idSchema,
  as: topicUseSchema,
  /** Practised with the colleague's part played by a trainer or actor, never by a fellow participant. */
  trainerPlays: z.boolean().default(false),
  /** How the audit names it, e.g. "suicide risk practised with the trainer playing the colleague". */
  label: textSchema,
  sources: sourcesSchema,
});
export type MandatoryContent = z.infer<typeof mandatoryContentSchema>;

/** One end of an ordering rule: sessions that teach or practise a topic, or any practice at all. */
const orderEndSchema = z.union([
  z.strictObject({ topic: idSchema, as: topicUseSchema }),
  /** Every practical session (role-play, simulation, supervised practice). */
  z.strictObject({ anyPractice: z.literal(true) }),
]);
export type OrderEnd = z.infer<typeof orderEndSchema>;

/** `first` comes before every session of `then`, whenever the course holds both. */
export const orderRuleSchema = z.strictObject({
  id: idSchema,
  label: textSchema,
  first: orderEndSchema,
  then: orderEndSchema,
  /** `first` must also fall on the course's first day (the PFA model, the listening input). */
  onFirstDay: z.boolean().default(false),
  /** A designer's edit that breaks it is refused (safety), instead of being shown as advice. */
  required: z.boolean().default(false),
  sources: sourcesSchema,
});
export type OrderRule = z.infer<typeof orderRuleSchema>;

/** How a practical session is run, and how many of the group sit in the supporter's chair each round. */
export const practiceFormatSchema = z.strictObject({
  id: z.enum(["pairs", "triads", "fishbowl", "stations", "whole-group"]),
  name: textSchema,
  /** People per working group (2 for pairs, 3 for triads); 0 for formats the whole group shares. */
  groupOf: z.number().int().min(0).max(6),
  /** For shared formats: supporters at once (one in a fishbowl; one per station). */
  supportersAtOnce: z.number().int().min(1).max(6).default(1),
  summary: textSchema,
});
export type PracticeFormat = z.infer<typeof practiceFormatSchema>;

export const courseRulesSchema = z
  .strictObject({
    phases: z.array(phaseSchema).min(2),
    topics: z.array(topicSchema).min(1),
    mandatory: z.array(mandatoryContentSchema),
    order: z.array(orderRuleSchema),
    arc: z.strictObject({
      /** Topics that must start within the first `share` of contact time (orientation, the second-victim phenomenon). */
      early: z.strictObject({ share: z.number().min(0.05).max(1), phases: z.array(idSchema), topics: z.array(idSchema) }),
      /** The first practical session of a course practises this topic (an introductory first conversation). */
      firstPractice: idSchema,
      /** The phase of the final practical assessment and the closing. */
      closingPhase: idSchema,
      /**
       * The longest run of input (in written minutes) before a practice that is ready to run is brought forward,
       * so that practice is spread over the course rather than saved for its second half.
       */
      inputRunMinutes: z.number().int().min(30).max(480),
      /** Likewise, the longest run of practice before input that is ready is brought in between. */
      practiceRunMinutes: z.number().int().min(30).max(480),
    }),
    /**
     * The core competencies (those the evidence finds in every sector) are introduced in every course; from this
     * length on each is also practised. A shorter awareness course practises what its hours hold.
     */
    core: z.strictObject({ practisedFromHours: z.number().min(0).max(80), sources: sourcesSchema }),
    practice: z.strictObject({
      formats: z.array(practiceFormatSchema).min(1),
      /** The shortest round worth playing: brief, at least ten minutes of play, feedback. */
      minRoundMinutes: z.number().int().min(5).max(60),
      /** Supporter turns each participant gets at least, from a course length on. */
      turnTargets: z.array(z.strictObject({ fromHours: z.number().min(0).max(80), turns: z.number().min(0).max(40) })),
      /** Above this many participants a second trainer is needed. */
      participantsPerTrainer: z.number().int().min(2).max(30),
      sources: sourcesSchema,
    }),
    schedule: z.strictObject({
      maxBlockMinutes: z.number().int().min(30).max(180),
      shortBreakMinutes: z.number().int().min(5).max(30),
      /** A day shorter than this is not worth the journey; the days are balanced to avoid it. */
      minDayMinutes: z.number().int().min(30).max(480),
      lunch: z.strictObject({
        minutes: z.number().int().min(15).max(90),
        /** Days with more contact time than this get a meal break. */
        afterContactMinutes: z.number().int().min(60).max(480),
        /** Days starting by this time take lunch between `earliest` and `latest`; later days a meal break mid-day. */
        dayStartsBy: z.string().regex(/^\d{2}:\d{2}$/),
        earliest: z.string().regex(/^\d{2}:\d{2}$/),
        latest: z.string().regex(/^\d{2}:\d{2}$/),
      }),
      sources: sourcesSchema,
    }),
    assessment: z.strictObject({
      /** Courses from this length certify: they schedule the final practical station. */
      stationFromHours: z.number().min(0).max(80),
      /** The session template that runs the station. */
      stationTemplate: idSchema,
      /** Quiz items per core competency (others get one). */
      coreQuizItems: z.number().int().min(1).max(4),
      sources: sourcesSchema,
    }),
  })
  .superRefine((rules, ctx) => {
    const phases = new Set(rules.phases.map((p) => p.id));
    const topics = new Set(rules.topics.map((t) => t.id));
    const checkTopic = (topic: string, path: (string | number)[]) => {
      if (!topics.has(topic)) ctx.addIssue({ code: "custom", path, message: `names no topic of this file: "${topic}"` });
    };
    rules.mandatory.forEach((m, i) => checkTopic(m.topic, ["mandatory", i, "topic"]));
    rules.order.forEach((o, i) => {
      if ("topic" in o.first) checkTopic(o.first.topic, ["order", i, "first", "topic"]);
      if ("topic" in o.then) checkTopic(o.then.topic, ["order", i, "then", "topic"]);
    });
    rules.arc.early.topics.forEach((t, i) => checkTopic(t, ["arc", "early", "topics", i]));
    checkTopic(rules.arc.firstPractice, ["arc", "firstPractice"]);
    for (const [path, phase] of [
      ...rules.arc.early.phases.map((p, i) => [["arc", "early", "phases", i], p] as const),
      [["arc", "closingPhase"], rules.arc.closingPhase] as const,
    ]) {
      if (!phases.has(phase)) ctx.addIssue({ code: "custom", path: [...path], message: `names no phase of this file: "${phase}"` });
    }
    for (const [list, items] of [["phases", rules.phases], ["topics", rules.topics], ["mandatory", rules.mandatory], ["order", rules.order]] as const) {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: [list, i, "id"], message: `duplicate id "${item.id}"` });
        seen.add(item.id);
      });
    }
  });
export type CourseRules = z.infer<typeof courseRulesSchema>;

/** Whether a rule written for `sectors` applies to a course of `sector`. */
export function appliesToSector(sectors: "all" | readonly string[], sector: string): boolean {
  return sectors === "all" || sectors.includes(sector);
}

/** Whether mandatory content applies to a course: from its length on, in its sectors. */
export function mandatoryApplies(m: Pick<MandatoryContent, "fromHours" | "sectors">, spec: { totalHours: number; sector: string }): boolean {
  return spec.totalHours >= m.fromHours && appliesToSector(m.sectors, spec.sector);
}
