import type { Role } from "../domain/index.js";

/**
 * Who may do what in an organisation. Roles form a ladder: each can do everything the roles below it can.
 * Routes ask `can(role, action)` (or `authorize`) and pages use the same answers to hide what a person cannot use.
 */
const RANK: Record<Role, number> = { trainer: 0, manager: 1, designer: 2, admin: 3 };

/** The least role each action needs. */
export const PERMISSIONS = {
  /** The curriculum list, page, JSON and programme kit. */
  "curriculum.read": "trainer",
  /** Facilitator guide, the facilitator edition of the kit, scenario packs. */
  "documents.facilitator": "trainer",
  /** Syllabus and the participant edition of the kit. */
  "documents.participant": "manager",
  "certificates.issue": "manager",
  "share.manage": "manager",
  "curriculum.create": "designer",
  "curriculum.update": "designer",
  "curriculum.clone": "designer",
  "curriculum.delete": "designer",
  /** Members, invitations, roles, settings. */
  "organisation.manage": "admin",
  "audit.read": "admin",
} as const satisfies Record<string, Role>;

export type Action = keyof typeof PERMISSIONS;

export function can(role: Role | undefined, action: Action): boolean {
  return role !== undefined && RANK[role] >= RANK[PERMISSIONS[action]];
}

/** Every action, for the policy test and the permission table on the members page. */
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];
