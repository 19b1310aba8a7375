import type { Organisation, Role, Session, User } from "../domain/index.js";
import { can, type Action } from "./policy.js";

/**
 * Someone signed in, as the routes see them: the account, the organisation they are working in and their role
 * there, and how they came (a browser session or an API token). A person with no organisation yet (signed in
 * through single sign-on before an admin placed them) has neither, and can read only the content library.
 */
export interface Actor {
  user: User;
  organisation?: Organisation;
  role?: Role;
  via: "web" | "api" | "cli";
  /** The browser session (web) or the token's id (api). */
  session?: Session;
  tokenId?: string;
  ip?: string;
}

/** May this person do this in the organisation they are working in? */
export function actorCan(actor: Actor | undefined, action: Action): boolean {
  return actor !== undefined && can(actor.role, action);
}
