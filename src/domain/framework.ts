import { z } from "zod";
import { idSchema, sourcesSchema, textSchema } from "./common.js";

/** Whether a competency is mainly a skill, an attitude or a body of knowledge (the review's distinction). */
export const competencyKindSchema = z.enum(["skill", "attitude", "knowledge"]);
export type CompetencyKind = z.infer<typeof competencyKindSchema>;

/** A RESCUE certification competence code such as COM05. */
export const rescueCodeSchema = z.string().regex(/^COM\d{2}$/, "must look like COM01");

/** The smallest unit the framework maps: sessions, scenarios, checklists and certificates point at these ids. */
export const specificCompetencySchema = z.strictObject({
  id: idSchema,
  /** Display number "domain.general.specific", e.g. "1.2.3". */
  code: z.string().regex(/^\d+\.\d+\.\d+$/, "must look like 1.2.3"),
  name: textSchema,
  description: textSchema,
  kind: competencyKindSchema,
  /** Observable behaviours; observer checklists are built from these. */
  behaviours: z.array(textSchema).min(2, "must list at least 2 observable behaviours").max(4, "must list at most 4 observable behaviours"),
  /** Part of the set the review found consistent across sectors. */
  core: z.boolean(),
  /** ERNST level ids where the competency is used. */
  tiers: z.array(idSchema).min(1, "must name at least one ERNST level"),
  crossReferences: z
    .strictObject({
      /** Ids of competencies the review names (framework.crossReferences.review) that this one operationalises. */
      review: z.array(idSchema).default([]),
      /** RESCUE competence codes this one serves. */
      rescue: z.array(rescueCodeSchema).default([]),
    })
    .default({ review: [], rescue: [] }),
  sources: sourcesSchema,
});
export type SpecificCompetency = z.infer<typeof specificCompetencySchema>;

export const generalCompetencySchema = z.strictObject({
  id: idSchema,
  code: z.string().regex(/^\d+\.\d+$/, "must look like 1.2"),
  name: textSchema,
  description: textSchema,
  specific: z.array(specificCompetencySchema).min(1, "must hold at least one specific competency"),
});
export type GeneralCompetency = z.infer<typeof generalCompetencySchema>;

export const domainSchema = z.strictObject({
  id: idSchema,
  number: z.number().int().min(1),
  name: textSchema,
  description: textSchema,
  general: z.array(generalCompetencySchema).min(1, "must hold at least one general competency"),
  sources: sourcesSchema,
});
export type Domain = z.infer<typeof domainSchema>;

/** The competency framework: domains > general > specific competencies. An organisation may load its own. */
export const frameworkSchema = z.strictObject({
  id: idSchema,
  name: textSchema,
  version: textSchema,
  description: textSchema,
  domains: z.array(domainSchema).min(1, "must hold at least one domain"),
  /** External vocabularies the framework is mapped to, so that every named item has a recorded home. */
  crossReferences: z
    .strictObject({
      review: z.array(z.strictObject({ id: idSchema, label: textSchema })).default([]),
      rescue: z.array(z.strictObject({ code: rescueCodeSchema, name: textSchema, core: z.boolean() })).default([]),
    })
    .default({ review: [], rescue: [] }),
  sources: sourcesSchema,
});
export type Framework = z.infer<typeof frameworkSchema>;
