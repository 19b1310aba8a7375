import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/**
 * A sector module. Adding a sector means adding one file under content/sectors/: the sector owns its emphasis
 * (which competencies it stresses and why), so the framework never has to change for a new sector.
 */
export const sectorSchema = z.strictObject({
  id: idSchema,
  name: textSchema,
  summary: textSchema,
  /** What a second-victim event looks like here, in the sector's own terms. */
  events: z.array(textSchema).min(2, "must describe at least 2 typical events"),
  /** The sector's words for the people involved (e.g. "crew", "officer", "carrier"). */
  terms: z
    .array(z.strictObject({ term: textSchema, meaning: textSchema }))
    .min(2, "must list at least 2 of the sector's terms"),
  referralRoutes: z
    .array(z.strictObject({ name: textSchema, tier: idSchema, description: textSchema }))
    .min(2, "must list at least 2 referral routes"),
  legalContext: textSchema,
  investigationContext: textSchema,
  emphasis: z
    .array(z.strictObject({ competency: idSchema, reason: textSchema }))
    .min(1, "must emphasise at least one competency"),
  /** How much the review found for this sector; null where it found none. */
  evidence: z.strictObject({ reviewStudies: z.number().int().min(0).nullable(), note: textSchema }),
  sources: sourcesSchema,
});
export type Sector = z.infer<typeof sectorSchema>;
