import { Router } from "express";
import type { AccountService } from "../../auth/account-service.js";
import { ACTIONS } from "../../auth/policy.js";
import { actorCan } from "../../auth/actor.js";
import { currentActor } from "../auth.js";

/** GET /api/me: who a session or token acts as, in which organisation, and what it may do there. */
export function accountApi(deps: { accounts: AccountService }): Router {
  const router = Router();
  router.get("/api/me", async (_req, res) => {
    const actor = currentActor(res);
    const organisations = await deps.accounts.organisationsOf(actor.user);
    res.json({
      user: { id: actor.user.id, email: actor.user.email, name: actor.user.name },
      organisation: actor.organisation && { id: actor.organisation.id, name: actor.organisation.name },
      role: actor.role ?? null,
      via: actor.via,
      allowed: ACTIONS.filter((a) => actorCan(actor, a)),
      organisations: organisations.map((o) => ({ id: o.organisation.id, name: o.organisation.name, role: o.role })),
    });
  });
  return router;
}
