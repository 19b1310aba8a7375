import { z } from "zod";

/**
 * Accounts: people, organisations, their roles, and the credentials and links that act for them. These schemas are
 * the one home of the rules about such records: the forms, the JSON API, the CLI and both stores parse through them.
 */

/** A role in one organisation. Each role can do everything the roles after it can (see src/auth/policy.ts). */
export const ROLES = ["admin", "designer", "manager", "trainer"] as const;
export const roleSchema = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });
export type Role = z.infer<typeof roleSchema>;

/** What each role is for, in the words the admin pages show. */
export const ROLE_SUMMARIES: Record<Role, string> = {
  admin: "Members, roles, invitations, settings and the audit log, and everything a designer can do.",
  designer: "Creates, edits, clones and deletes curricula, and everything a manager can do.",
  manager: "Reads every curriculum, downloads every document, issues certificates and shares links.",
  trainer: "Reads curricula, facilitator guides, programme kits and scenario packs.",
};

// eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * An email address as people type it: trimmed, compared in lower case (the domain is case-insensitive and no
 * mail system in practice treats the local part's case as meaningful).
 */
export const emailSchema = z
  .string({ error: "must be an email address" })
  .trim()
  .max(254, "must be at most 254 characters")
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address such as name@example.org")
  .transform((e) => e.toLowerCase());

/** A person's or an organisation's name, or a label: shown on pages and in the audit log, so no control characters. */
export function displayText(max: number) {
  return z
    .string({ error: "must be text" })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL.test(v), "must not contain control characters");
}

export const personNameSchema = displayText(120);
export const organisationNameSchema = displayText(120);
export const labelSchema = displayText(80);

/** The shortest and longest password accepted (NIST SP 800-63B: at least 8, allow at least 64; no composition rules). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const passwordSchema = z
  .string({ error: "must be a password" })
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

/** Ids of account records: random UUIDs. */
export const recordIdSchema = z.uuid({ error: "must be an id" });
const stamp = z.iso.datetime({ error: "must be an ISO date-time" });
/** SHA-256 of a secret, hex: what the store keeps of session ids, API tokens, invitations and share links. */
const secretHash = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hash");

export const membershipSchema = z.strictObject({ organisationId: recordIdSchema, role: roleSchema });
export type Membership = z.infer<typeof membershipSchema>;

export const organisationSchema = z.strictObject({
  id: recordIdSchema,
  name: organisationNameSchema,
  createdAt: stamp,
  /** Single sign-on: people who sign in through the organisation's identity provider for the first time join with this role. */
  ssoRole: roleSchema.optional(),
});
export type Organisation = z.infer<typeof organisationSchema>;

export const userSchema = z.strictObject({
  id: recordIdSchema,
  email: emailSchema,
  name: personNameSchema,
  /** The password's argon2id hash (PHC string); absent for people who only sign in through single sign-on. */
  passwordHash: z.string().startsWith("$argon2id$", "must be an argon2id hash").optional(),
  memberships: z.array(membershipSchema),
  createdAt: stamp,
  /** Bumped when the password changes: sessions made before then end. */
  passwordChangedAt: stamp.optional(),
});
export type User = z.infer<typeof userSchema>;

export const sessionSchema = z.strictObject({
  /** SHA-256 of the cookie's secret: the store never holds a value that signs anyone in. */
  idHash: secretHash,
  userId: recordIdSchema,
  /** The organisation the person is working in now (they may switch). */
  organisationId: recordIdSchema.optional(),
  createdAt: stamp,
  lastSeenAt: stamp,
  /** Where the person came from: "password" or "sso". */
  method: z.enum(["password", "sso"]),
});
export type Session = z.infer<typeof sessionSchema>;

export const apiTokenSchema = z.strictObject({
  id: recordIdSchema,
  hash: secretHash,
  userId: recordIdSchema,
  organisationId: recordIdSchema,
  label: labelSchema,
  createdAt: stamp,
  lastUsedAt: stamp.optional(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const invitationSchema = z.strictObject({
  id: recordIdSchema,
  hash: secretHash,
  organisationId: recordIdSchema,
  role: roleSchema,
  /** Who it is for, as the admin typed it (shown on the page; anyone holding the link may accept it). */
  email: emailSchema.optional(),
  createdBy: recordIdSchema,
  createdAt: stamp,
  expiresAt: stamp,
  acceptedAt: stamp.optional(),
  revokedAt: stamp.optional(),
});
export type Invitation = z.infer<typeof invitationSchema>;

export const shareLinkSchema = z.strictObject({
  id: recordIdSchema,
  hash: secretHash,
  organisationId: recordIdSchema,
  curriculumId: z.string().min(1),
  label: labelSchema.optional(),
  createdBy: recordIdSchema,
  createdAt: stamp,
  expiresAt: stamp.optional(),
  revokedAt: stamp.optional(),
  lastOpenedAt: stamp.optional(),
});
export type ShareLink = z.infer<typeof shareLinkSchema>;

/** Every kind of event the audit log records. */
export const AUDIT_ACTIONS = [
  "setup",
  "sign-in",
  "sign-in-failed",
  "sign-out",
  "password-changed",
  "organisation-switched",
  "curriculum-created",
  "curriculum-edited",
  "curriculum-deleted",
  "curriculum-cloned",
  "certificates-issued",
  "share-created",
  "share-revoked",
  "token-created",
  "token-revoked",
  "member-invited",
  "invitation-revoked",
  "invitation-accepted",
  "member-added",
  "role-changed",
  "member-removed",
  "settings-changed",
  "store-adopted",
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditEventSchema = z.strictObject({
  id: recordIdSchema,
  at: stamp,
  /** The organisation the event belongs to; absent only for a failed sign-in with an unknown email. */
  organisationId: recordIdSchema.optional(),
  action: auditActionSchema,
  /** Who did it: the account, and its email at the time (kept when the account is later removed). */
  actor: z.strictObject({ userId: recordIdSchema.optional(), email: z.string().max(254).optional(), via: z.enum(["web", "api", "cli", "share", "sso"]) }),
  /** What it was done to. */
  target: z.strictObject({ kind: z.string().max(40), id: z.string().max(200), name: z.string().max(400).optional() }).optional(),
  /** A short line of what changed, in words. */
  detail: z.string().max(500).optional(),
  ip: z.string().max(64).optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/**
 * A single sign-on in progress: what its start leaves for its callback (the PKCE verifier, state, nonce, the
 * redirect URI used and where to go after). Kept in the store, so that the callback may reach any instance.
 */
export const signInFlowSchema = z.strictObject({
  state: z.string().min(1).max(200),
  nonce: z.string().min(1).max(200),
  codeVerifier: z.string().min(43).max(128),
  redirectUri: z.string().min(1).max(2000),
  next: z.string().max(2000),
  expiresAt: stamp,
});
export type SignInFlow = z.infer<typeof signInFlowSchema>;
