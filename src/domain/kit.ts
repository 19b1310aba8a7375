import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/** One multiple-choice item of the pre/post knowledge quiz, tied to a specific competency. */
export const quizItemSchema = z
  .strictObject({
    id: idSchema,
    competency: idSchema,
    question: textSchema,
    options: z.array(textSchema).min(3, "must offer at least 3 options").max(5, "must offer at most 5 options"),
    /** Index (from 0) of the correct option. */
    answer: z.number().int().min(0),
    rationale: textSchema,
    sources: sourcesSchema,
  })
  .superRefine((item, ctx) => {
    if (item.answer >= item.options.length) ctx.addIssue({ code: "custom", path: ["answer"], message: `must be the index of one of the ${item.options.length} options` });
    if (new Set(item.options).size !== item.options.length) ctx.addIssue({ code: "custom", path: ["options"], message: "must not repeat an option" });
  });
export type QuizItem = z.infer<typeof quizItemSchema>;

/** A file of quiz items (content/quiz/*.json). */
export const quizFileSchema = z.strictObject({ items: z.array(quizItemSchema).min(1) });

const scaleScore = z.number().int().min(0).max(3);

/**
 * The programme kit's content (content/kit.json): screening and interview for selection, the practical assessment's
 * scale and pass rule, the supervision plan and practice log, the evaluation plan and feedback form.
 */
export const kitContentSchema = z.strictObject({
  screening: z.strictObject({
    intro: textSchema,
    questions: z
      .array(z.strictObject({ id: idSchema, criterion: idSchema, kind: z.enum(["yes-no", "text", "scale"]), question: textSchema }))
      .min(1),
  }),
  interview: z.strictObject({
    intro: textSchema,
    questions: z.array(z.strictObject({ id: idSchema, question: textSchema, listenFor: textSchema, competencies: z.array(idSchema).min(1) })).min(1),
  }),
  practicalAssessment: z.strictObject({
    intro: textSchema,
    minutes: z.strictObject({ reading: z.number().int().min(0), station: z.number().int().min(5), feedback: z.number().int().min(0) }),
    scale: z.array(z.strictObject({ score: scaleScore, label: textSchema, description: textSchema })).min(2),
    passRule: z.strictObject({
      minimumAverage: z.number().min(0).max(3),
      coreMinimum: scaleScore,
      noScoreBelow: scaleScore,
      safetyCritical: textSchema,
      text: textSchema,
    }),
  }),
  supervision: z.strictObject({
    frequency: textSchema,
    format: textSchema,
    caseReview: z.array(textSchema).min(1),
    refresherRolePlays: textSchema,
    logFields: z.array(z.strictObject({ field: textSchema, description: textSchema })).min(1),
  }),
  evaluation: z.strictObject({
    levels: z
      .array(
        z.strictObject({
          level: z.number().int().min(1).max(4),
          name: textSchema,
          question: textSchema,
          instruments: z.array(z.strictObject({ name: textSchema, when: textSchema, description: textSchema, sources: sourcesSchema })).min(1),
        }),
      )
      .length(4, "must cover Kirkpatrick levels 1 to 4"),
    feedbackForm: z.array(z.strictObject({ item: textSchema, scale: textSchema })).min(1),
  }),
  sources: sourcesSchema,
});
export type KitContent = z.infer<typeof kitContentSchema>;
