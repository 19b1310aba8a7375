import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/** One of the five ERNST support levels (Seys et al. 2023). */
export const tierSchema = z.strictObject({
  id: idSchema,
  /** 1 (prevention) to 5 (clinical support). */
  level: z.number().int().min(1).max(5),
  name: textSchema,
  /** One line for the course form. */
  summary: textSchema,
  description: textSchema,
  /** What a peer supporter does at this level: works at it, promotes it, or refers to it. */
  peerSupporterRole: z.strictObject({
    stance: z.enum(["promotes", "delivers", "refers"]),
    description: textSchema,
  }),
  /** Scott's three-tier model (forYOU): the tier this level corresponds to, or null where Scott has none. */
  scottTier: z.union([z.literal(1), z.literal(2), z.literal(3), z.null()]),
  scottMapping: textSchema,
  /** Levels every curriculum includes whatever the designer picks (peer support and triage). */
  alwaysIncluded: z.boolean().default(false),
  sources: sourcesSchema,
});
export type Tier = z.infer<typeof tierSchema>;

export const tierListSchema = z.strictObject({ tiers: z.array(tierSchema).length(5, "must list exactly the five ERNST levels") });
