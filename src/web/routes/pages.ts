import { Router, type Response } from "express";
import type { Catalog } from "../../content/index.js";
import type { Curriculum } from "../../domain/index.js";
import { alternatives, CalendarOverflowError, PlanningError } from "../../planner/index.js";
import { StaleVersionError } from "../../store/index.js";
import { cloneCurriculum, createCurriculum, deleteCurriculum, editCurriculum, ensureAllowed, findCurriculum, listCurricula } from "../../use-cases/curricula.js";
import { listShareLinks, shareLinkLive, type ShareLinkDeps } from "../../use-cases/share-links.js";
import type { Action } from "../../auth/policy.js";
import { actorCan } from "../../auth/actor.js";
import { currentActor } from "../auth.js";
import type { ExportFormat } from "../../exports/export-format.js";
import { formatsFor } from "./export-routes.js";
import { defaultCourseForm, parseCourseForm, type CourseForm, type FieldErrors } from "../forms/course-form.js";
import { parseEditForm } from "../forms/edit-form.js";
import { notFound } from "../http-error.js";
import { buildKit } from "../../kit/build-kit.js";
import { curriculumView } from "../../render/curriculum-view.js";
import { curriculumId } from "./curricula.js";
import { WEEKDAYS } from "../../domain/index.js";

const DAY_LABELS: Record<string, string> = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };
const FIELD_LABELS: Record<string, string> = {
  title: "Course title",
  sector: "Sector",
  tiers: "ERNST support levels",
  totalHours: "Total contact hours",
  practicalShare: "Practical share",
  startDate: "Start date",
  days: "Course days",
  dayStart: "Day starts at",
  maxHoursPerDay: "Contact hours a day",
  timezone: "Time zone",
  groupSize: "Group size",
  focusDomains: "Focus domains",
  form: "The form",
};

/** The new-course form's view: choices from the catalog, the values, and the errors beside each field. */
function formView(catalog: Catalog, form: CourseForm, errors: FieldErrors = {}) {
  return {
    title: "New curriculum",
    form,
    errors,
    errorSummary: Object.entries(errors).map(([field, message]) => ({ field, label: FIELD_LABELS[field] ?? field, message })),
    sectors: catalog.sectors.map((s) => ({ id: s.id, name: s.name, checked: s.id === form.sector })),
    tiers: catalog.tiers.map((t) => ({ id: t.id, name: t.name, level: t.level, summary: t.summary, always: t.alwaysIncluded, checked: t.alwaysIncluded || form.tiers.includes(t.id) })),
    days: WEEKDAYS.map((d) => ({ id: d, label: DAY_LABELS[d], checked: form.days.includes(d) })),
    domains: catalog.framework.domains.map((d) => ({ id: d.id, name: d.name, checked: form.focusDomains.includes(d.id) })),
  };
}

/** The edit page's view: the curriculum plus, per session, its minutes range, alternatives and scenario choices. */
function editView(c: Curriculum, catalog: Catalog, extra: { problems?: string[]; typedMinutes?: Record<string, string>; saved?: boolean; status?: string } = {}) {
  const view = curriculumView(c, catalog);
  return {
    ...view,
    title: `Edit: ${c.title}`,
    curriculumTitle: c.title,
    problems: extra.problems ?? [],
    saved: extra.saved ?? false,
    status: extra.status,
    sessions: view.sessions.map((s, i) => {
      const template = catalog.session(s.templateId)!;
      return {
        ...s,
        first: i === 0,
        last: i === c.sessions.length - 1,
        range: template.minutes,
        typedMinutes: extra.typedMinutes?.[s.id] ?? String(s.minutes),
        alternatives: alternatives(c, s.id, catalog).slice(0, 12).map((t) => ({ id: t.id, title: t.title })),
        scenarios: template.scenario
          ? catalog.scenarios.filter((x) => x.sector === c.spec.sector && x.method === template.scenario!.method).map((x) => ({ id: x.id, title: x.title, selected: x.id === s.scenarioIds[0] }))
          : [],
      };
    }),
    addable: catalog.sessions
      .filter((t) => t.purpose === "content" && (t.sectors === "all" || t.sectors.includes(c.spec.sector)) && t.tiers.some((tier) => c.spec.tiers.includes(tier)))
      .map((t) => ({ id: t.id, title: t.title, method: t.method })),
    positions: c.sessions.map((s, i) => ({ index: i, label: `before ${i + 1}. ${s.title}` })),
  };
}

/** The HTML pages for curricula: list, new, view, edit, clone, delete. Routes parse, call a use case, render. */
export function curriculumPages(deps: ShareLinkDeps, formats: readonly ExportFormat[] = []): Router {
  const router = Router();
  const { catalog } = deps;
  const load = async (res: Response, params: unknown, action: Action) => {
    const c = await findCurriculum(currentActor(res), curriculumId(params), action, deps);
    if (!c) throw notFound("The curriculum");
    return c;
  };
  const renderForm = (res: Response, status: number, form: CourseForm, errors?: FieldErrors) => res.status(status).render("new-curriculum", formView(catalog, form, errors));

  router.get("/", async (_req, res) => {
    const actor = currentActor(res);
    // Someone signed in through single sign-on before an admin gave them a role sees the library, not curricula.
    if (!actor.organisation) return res.render("home", { title: "Curricula", noOrganisation: true, items: [] });
    const items = await listCurricula(actor, deps);
    res.render("home", {
      title: "Curricula",
      items: items.map((i) => ({ ...i, sectorName: catalog.sector(i.sector)?.name ?? i.sector, updated: i.updatedAt.slice(0, 16).replace("T", " ") })),
    });
  });

  router.get("/curricula/new", (_req, res) => {
    ensureAllowed(currentActor(res), "curriculum.create");
    renderForm(res, 200, defaultCourseForm(catalog, deps.now()));
  });

  router.post("/curricula", async (req, res) => {
    const actor = currentActor(res);
    ensureAllowed(actor, "curriculum.create");
    const parsed = parseCourseForm(req.body, catalog);
    if ("errors" in parsed) return renderForm(res, 400, parsed.form, parsed.errors);
    try {
      const c = await createCurriculum(actor, parsed.spec, deps);
      res.redirect(303, `/curricula/${c.id}`);
    } catch (error) {
      if (error instanceof PlanningError) return renderForm(res, 422, parsed.form, { [error.field]: error.message });
      if (error instanceof CalendarOverflowError) return renderForm(res, 400, parsed.form, { startDate: error.message });
      throw error;
    }
  });

  router.get("/curricula/:id", async (req, res) => {
    const actor = currentActor(res);
    const c = await load(res, req.params, "curriculum.read");
    const links = actorCan(actor, "share.manage") ? ((await listShareLinks(actor, c.id, deps)) ?? []) : [];
    const now = deps.now();
    // The Export menu: each format the person's role may download, with what it is for.
    const exportsMenu = formatsFor(formats, "curriculum").filter((f) => actorCan(actor, f.audience === "participant" ? "documents.participant" : "documents.facilitator"));
    res.render("curriculum", {
      ...curriculumView(c, catalog),
      exportsMenu: exportsMenu.map((f) => ({ ...f, href: f.href.replace("{id}", c.id) })),
      kit: buildKit(c, catalog),
      title: c.title,
      pageTitle: c.title,
      shareLinks: links.map((l) => ({ ...l, live: shareLinkLive(l, now), state: l.revokedAt ? "revoked" : shareLinkLive(l, now) ? "live" : "expired" })),
    });
  });

  router.get("/curricula/:id/edit", async (req, res) => {
    const c = await load(res, req.params, "curriculum.update");
    res.render("edit-curriculum", editView(c, catalog, { saved: req.query.saved === "1" }));
  });

  router.post("/curricula/:id/edit", async (req, res) => {
    const actor = currentActor(res);
    const c = await load(res, req.params, "curriculum.update");
    const form = parseEditForm(req.body, c);
    const staleForm = async () => {
      const latest = await load(res, req.params, "curriculum.update");
      const problems = ["Someone else saved this curriculum while you were editing it. The page now shows their version; make your changes again."];
      res.status(409).render("edit-curriculum", editView(latest, catalog, { problems }));
    };
    // A form made from an older version may name sessions that are gone: that is a stale form, not a broken one.
    if (Number.isInteger(form.version) && form.version !== c.version) return staleForm();
    if (!form.edit) return res.status(400).render("edit-curriculum", editView(c, catalog, { problems: form.errors, typedMinutes: form.typedMinutes }));
    try {
      const outcome = await editCurriculum(actor, c.id, form.edit, deps);
      if (outcome.kind === "not-found") throw notFound("The curriculum");
      if (outcome.kind === "rejected") {
        const problems = [...outcome.editProblems.map((p) => p.message), ...outcome.brokenRules.map((r) => r.message)];
        return res.status(422).render("edit-curriculum", editView(c, catalog, { problems, typedMinutes: form.typedMinutes, status: "Nothing was saved." }));
      }
      res.redirect(303, `/curricula/${c.id}/edit?saved=1`);
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      await staleForm();
    }
  });

  router.post("/curricula/:id/clone", async (req, res) => {
    const copy = await cloneCurriculum(currentActor(res), curriculumId(req.params), deps);
    if (!copy) throw notFound("The curriculum");
    res.redirect(303, `/curricula/${copy.id}`);
  });

  router.get("/curricula/:id/delete", async (req, res) => {
    const c = await load(res, req.params, "curriculum.delete");
    res.render("delete-curriculum", { title: `Delete ${c.title}`, id: c.id, curriculumTitle: c.title });
  });

  router.post("/curricula/:id/delete", async (req, res) => {
    if (!(await deleteCurriculum(currentActor(res), curriculumId(req.params), deps))) throw notFound("The curriculum");
    res.redirect(303, "/?deleted=1");
  });

  return router;
}
