import { z } from "zod";
import { emailSchema, labelSchema, organisationNameSchema, passwordSchema, personNameSchema, recordIdSchema, roleSchema } from "../../domain/index.js";

/**
 * The account forms' schemas. Each field's rule comes from the domain (one home); these only say which fields a
 * form has. Failures are shown beside the field (see fieldErrors).
 */
const newPassword = { password: passwordSchema, confirm: z.string({ error: "must repeat the password" }) };
const passwordsMatch = (f: { password: string; confirm: string }) => f.password === f.confirm;
const mismatch = { path: ["confirm"], message: "must match the password" };

export const setUpForm = z.object({ organisationName: organisationNameSchema, name: personNameSchema, email: emailSchema, ...newPassword }).refine(passwordsMatch, mismatch);
export const signInForm = z.object({ email: z.string({ error: "must be an email address" }).max(254, "must be at most 254 characters"), password: z.string({ error: "must be a password" }).max(1024, "is too long"), next: z.string().optional() });
export const newAccountForm = z.object({ name: personNameSchema, email: emailSchema, ...newPassword }).refine(passwordsMatch, mismatch);
export const changePasswordForm = z
  .object({ current: z.string({ error: "must be your current password" }).min(1, "must be your current password").max(1024), password: passwordSchema, confirm: z.string({ error: "must repeat the password" }) })
  .refine((f) => f.password === f.confirm, { path: ["confirm"], message: "must match the new password" });
export const tokenForm = z.object({ label: labelSchema });
export const switchOrganisationForm = z.object({ organisationId: recordIdSchema });
export const inviteForm = z.object({ role: roleSchema, email: z.union([z.literal("").transform(() => undefined), emailSchema]).optional() });
export const roleForm = z.object({ role: z.union([roleSchema, z.literal("remove")]) });
export const settingsForm = z.object({ name: organisationNameSchema, ssoRole: z.union([roleSchema, z.literal("none")]) });

/** A date the share link ends (the end of that day, UTC), optional; no date in the past. */
export function shareLinkForm(now: Date) {
  return z.object({
    label: z.union([z.literal("").transform(() => undefined), labelSchema]).optional(),
    expiresOn: z
      .union([
        z.literal("").transform(() => undefined),
        z.iso
          .date({ error: "must be a date (YYYY-MM-DD)" })
          .transform((d) => `${d}T23:59:59.000Z`)
          .refine((end) => Date.parse(end) > now.getTime(), "must be today or later"),
      ])
      .optional(),
  });
}

/** The share-link request of the JSON API. */
export function shareLinkRequest(now: Date) {
  return z.strictObject({
    label: labelSchema.optional(),
    expiresAt: z.iso.datetime({ error: "must be an ISO date-time" }).refine((t) => Date.parse(t) > now.getTime(), "must be in the future").optional(),
  });
}

/** Field name -> first message, for the forms. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
  }
  return errors;
}
