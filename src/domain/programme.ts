import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/**
 * What every course document says about the programme around the sessions: who the course is for, how
 * supporters are selected, the rules for confidentiality and role-play, assessment and certification, and the
 * facilitator's preparation. Content, so an organisation can state its own.
 */
export const programmeSchema = z.strictObject({
  audience: textSchema,
  description: textSchema,
  prerequisites: z.array(textSchema).min(1),
  selectionCriteria: z
    .array(z.strictObject({ id: idSchema, label: textSchema, description: textSchema, sources: sourcesSchema }))
    .min(1),
  participationRules: z.array(z.strictObject({ title: textSchema, text: textSchema })).min(2),
  assessment: z.array(textSchema).min(1),
  certification: z.array(textSchema).min(1),
  preparation: z.strictObject({
    twoWeeksBefore: z.array(textSchema).min(1),
    dayBefore: z.array(textSchema).min(1),
    onTheDay: z.array(textSchema).min(1),
    after: z.array(textSchema).min(1),
  }),
  sources: sourcesSchema,
});
export type Programme = z.infer<typeof programmeSchema>;
