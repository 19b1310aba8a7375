import { Router, type Response } from "express";
import { ROLE_SUMMARIES, ROLES, AUDIT_ACTIONS, type AuditEvent } from "../../domain/index.js";
import type { AccountService } from "../../auth/account-service.js";
import { authorize } from "../auth.js";
import { fieldErrors, inviteForm, roleForm, settingsForm } from "../forms/account-forms.js";
import { notFound, validationFailed } from "../http-error.js";
import { csvDocument } from "../../render/csv.js";

export interface AdminPagesDeps {
  accounts: AccountService;
  /** Single sign-on is configured: the settings offer the role new people get. */
  ssoEnabled: boolean;
}

const AUDIT_COLUMNS = ["When (UTC)", "Action", "Who", "Via", "What", "Target id", "Detail", "Address"];

function auditRow(e: AuditEvent): string[] {
  return [e.at, e.action, e.actor.email ?? "", e.actor.via, e.target ? `${e.target.kind}: ${e.target.name ?? ""}` : "", e.target?.id ?? "", e.detail ?? "", e.ip ?? ""];
}

/** The organisation's administration: members and roles, invitations, settings and the audit log. Admins only. */
export function adminPages(deps: AdminPagesDeps): Router {
  const router = Router();
  const { accounts } = deps;

  const renderMembers = async (res: Response, status: number, extra: Record<string, unknown> = {}) => {
    const actor = authorize(res, "organisation.manage");
    const organisation = actor.organisation!;
    const members = await accounts.listMembers(organisation.id);
    const invitations = await accounts.listInvitations(organisation.id);
    const now = Date.now();
    res.status(status).render("members", {
      title: `Members of ${organisation.name}`,
      organisation,
      roles: ROLES.map((r) => ({ id: r, summary: ROLE_SUMMARIES[r] })),
      members: members.map((m) => {
        const role = m.memberships.find((x) => x.organisationId === organisation.id)!.role;
        return { id: m.id, name: m.name, email: m.email, role, you: m.id === actor.user.id, roles: ROLES.map((r) => ({ id: r, selected: r === role })) };
      }),
      invitations: invitations
        .filter((i) => !i.acceptedAt && !i.revokedAt && Date.parse(i.expiresAt) > now)
        .map((i) => ({ id: i.id, role: i.role, email: i.email, expires: i.expiresAt.slice(0, 16).replace("T", " ") })),
      ssoEnabled: deps.ssoEnabled,
      ssoRoles: [{ id: "none", label: "Nobody: an admin adds them", selected: !organisation.ssoRole }, ...ROLES.map((r) => ({ id: r, label: r, selected: organisation.ssoRole === r }))],
      errors: {},
      ...extra,
    });
  };

  router.get("/admin/members", async (_req, res) => renderMembers(res, 200));

  router.post("/admin/invitations", async (req, res) => {
    const actor = authorize(res, "organisation.manage");
    const parsed = inviteForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderMembers(res, 400, { errors: fieldErrors(parsed.error) });
    const { secret, invitation } = await accounts.invite(actor, parsed.data.role, parsed.data.email);
    // The link is shown to the admin once, to pass on; no mail server is needed.
    res.set("Cache-Control", "no-store");
    await renderMembers(res, 201, { newInvitation: { url: `${req.protocol}://${req.host}/invitations/${secret}`, role: invitation.role, email: invitation.email } });
  });

  router.post("/admin/invitations/:invitationId/revoke", async (req, res) => {
    const actor = authorize(res, "organisation.manage");
    if (!(await accounts.revokeInvitation(actor, String(req.params.invitationId)))) throw notFound("The invitation");
    res.redirect(303, "/admin/members");
  });

  router.post("/admin/members/:userId/role", async (req, res) => {
    const actor = authorize(res, "organisation.manage");
    const parsed = roleForm.safeParse(req.body ?? {});
    if (!parsed.success) throw validationFailed([{ path: "role", message: parsed.error.issues[0]!.message }]);
    const problem = await accounts.setRole(actor, String(req.params.userId), parsed.data.role === "remove" ? undefined : parsed.data.role);
    if (problem) return renderMembers(res, 409, { problem });
    res.redirect(303, "/admin/members");
  });

  router.post("/admin/settings", async (req, res) => {
    const actor = authorize(res, "organisation.manage");
    const parsed = settingsForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderMembers(res, 400, { errors: fieldErrors(parsed.error) });
    await accounts.updateOrganisation(actor, { name: parsed.data.name, ssoRole: parsed.data.ssoRole === "none" ? undefined : parsed.data.ssoRole });
    res.redirect(303, "/admin/members");
  });

  const actionFilter = (value: unknown) => (AUDIT_ACTIONS as readonly string[]).includes(String(value)) ? (value as AuditEvent["action"]) : undefined;

  router.get("/admin/audit", async (req, res) => {
    const actor = authorize(res, "audit.read");
    const action = actionFilter(req.query.action);
    const events = await accounts.audit.list({ organisationId: actor.organisation!.id, action, limit: 500 });
    res.render("audit", {
      title: "Audit log",
      organisation: actor.organisation,
      actions: AUDIT_ACTIONS.map((a) => ({ id: a, selected: a === action })),
      action,
      events: events.map((e) => ({ ...e, when: e.at.slice(0, 19).replace("T", " ") })),
    });
  });

  router.get("/admin/audit.csv", async (req, res) => {
    const actor = authorize(res, "audit.read");
    const events = await accounts.audit.list({ organisationId: actor.organisation!.id, action: actionFilter(req.query.action), limit: 100_000 });
    res
      .type("text/csv; charset=utf-8")
      .set("Content-Disposition", 'attachment; filename="audit-log.csv"')
      .send(csvDocument([AUDIT_COLUMNS, ...events.map(auditRow)]));
  });

  return router;
}
