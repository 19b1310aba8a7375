import { randomUUID } from "node:crypto";
import type { AuditAction, AuditEvent } from "../domain/index.js";
import type { AccountRepository, AuditQuery } from "../store/index.js";
import type { Actor } from "./actor.js";

export interface AuditTarget {
  kind: string;
  id: string;
  name?: string;
}

/** Who an event is recorded against when no one is signed in (a share link, a failed sign-in). */
export interface AnonymousActor {
  email?: string;
  via: AuditEvent["actor"]["via"];
  ip?: string;
}

/**
 * The audit log: who did what, when, to what. Every change of consequence goes through `record` (the use cases call
 * it, never the routes), so no door can change something without leaving a line.
 */
export class AuditLog {
  constructor(
    private readonly repo: AccountRepository,
    private readonly clock: () => Date,
  ) {}

  async record(actor: Actor | AnonymousActor, action: AuditAction, options: { organisationId?: string; target?: AuditTarget; detail?: string } = {}): Promise<void> {
    const signedIn = "user" in actor;
    const event: AuditEvent = {
      id: randomUUID(),
      at: this.clock().toISOString(),
      organisationId: options.organisationId ?? (signedIn ? actor.organisation?.id : undefined),
      action,
      actor: signedIn ? { userId: actor.user.id, email: actor.user.email, via: actor.via } : { email: actor.email?.slice(0, 254), via: actor.via },
      target: options.target && { kind: options.target.kind, id: options.target.id.slice(0, 200), name: options.target.name?.slice(0, 400) },
      detail: options.detail?.slice(0, 500),
      ip: actor.ip?.slice(0, 64),
    };
    await this.repo.appendAudit(event);
  }

  /** An organisation's events, newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]> {
    return this.repo.listAudit(query);
  }
}
