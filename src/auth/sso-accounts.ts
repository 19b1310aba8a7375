import { randomUUID } from "node:crypto";
import { personNameSchema, type Membership, type User } from "../domain/index.js";
import { DuplicateEmailError, type AccountRepository } from "../store/index.js";
import { AuditLog } from "./audit-log.js";

/**
 * The accounts side of single sign-on: finding the person an identity provider vouched for, or making their account.
 * The provider has already checked who they are (and that the email is theirs); this decides what they may do here.
 */
export class SsoAccounts {
  private readonly audit: AuditLog;

  constructor(
    private readonly repo: AccountRepository,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audit = new AuditLog(repo, now);
  }

  /**
   * The account with this (verified) email, as it is: single sign-on never changes an existing person's roles. A new
   * person gets an account with a membership in every organisation that chose a role for newcomers (`ssoRole`), and
   * none otherwise: they can then read only the library until an admin gives them a role. Each organisation joined
   * gets a "member-added" line in its audit log.
   *
   * `email` must already be normalised (emailSchema); `name` is the provider's `name` claim, if any.
   */
  async findOrCreateSsoUser(email: string, name: unknown, ip?: string): Promise<{ user: User; created: boolean }> {
    const existing = await this.repo.findUserByEmail(email);
    if (existing) return { user: existing, created: false };
    const organisations = (await this.repo.listOrganisations()).filter((o) => o.ssoRole !== undefined);
    const memberships: Membership[] = organisations.map((o) => ({ organisationId: o.id, role: o.ssoRole! }));
    // A provider's display name may be missing, empty, too long or carry control characters: the email then stands in.
    const parsedName = personNameSchema.safeParse(name);
    const user: User = { id: randomUUID(), email, name: parsedName.success ? parsedName.data : email.slice(0, 120), memberships, createdAt: this.now().toISOString() };
    try {
      await this.repo.createUser(user);
    } catch (error) {
      // Two first sign-ins of the same person at once (two tabs): the other one made the account, which is theirs.
      if (error instanceof DuplicateEmailError) {
        const made = await this.repo.findUserByEmail(email);
        if (made) return { user: made, created: false };
      }
      throw error;
    }
    for (const organisation of organisations) {
      await this.audit.record({ email, via: "sso", ip }, "member-added", {
        organisationId: organisation.id,
        target: { kind: "user", id: user.id, name: email },
        detail: `As ${organisation.ssoRole}, on first signing in through single sign-on`,
      });
    }
    return { user, created: true };
  }
}
