import { curriculumEditSchema, type Curriculum, type CurriculumEdit, type Edit } from "../../domain/index.js";
import { readPostedForm, type FieldKind } from "./form-fields.js";

/** The edit form's fields: version, title, the pressed button, the add controls, and per session its minutes and selects. */
const COURSE_FIELDS = new Set(["version", "title", "action", "add_template", "add_at"]);
const SESSION_FIELD = /^(m|scenario|swap)_(.+)$/;

function editFieldKind(current: Curriculum): (name: string) => FieldKind | undefined {
  const sessions = new Set(current.sessions.map((s) => s.id));
  return (name) => {
    if (COURSE_FIELDS.has(name)) return "single";
    const session = SESSION_FIELD.exec(name)?.[2];
    return session !== undefined && sessions.has(session) ? "single" : undefined;
  };
}

export interface ParsedEditForm {
  /** The edit, checked by the same schema as the API's; undefined when `errors` has anything. */
  edit: CurriculumEdit | undefined;
  /** The version the form was made from (NaN when missing), to tell a stale form from a broken one. */
  version: number;
  /** Minutes as typed, to show again when the edits are refused. */
  typedMinutes: Record<string, string>;
  errors: string[];
}

/**
 * Turns the posted edit form into the same edits the API takes: a resize for every changed minutes field, a
 * scenario change for every changed scenario select, then the pressed button's edit (move, remove, swap, add).
 */
export function parseEditForm(body: unknown, current: Curriculum): ParsedEditForm {
  const posted = readPostedForm(body, editFieldKind(current));
  const form: Record<string, string | undefined> = posted.single;
  const errors: string[] = Object.entries(posted.problems).map(([field, message]) => (field === "form" ? message : `The field "${field}" ${message}.`));
  const edits: Edit[] = [];
  const typedMinutes: Record<string, string> = {};
  const version = Number(form.version);
  if (!Number.isInteger(version) || version < 1) errors.push("The form is missing the curriculum's version; reload the page.");
  if (form.title === undefined) delete form.title; // a form without the title field keeps the title

  current.sessions.forEach((s) => {
    const typed = form[`m_${s.id}`];
    if (typed === undefined) return;
    typedMinutes[s.id] = typed;
    const minutes = Number(typed);
    if (typed.trim() === "" || !Number.isInteger(minutes) || minutes % 5 !== 0) errors.push(`Minutes of "${s.title}" must be a whole number in 5-minute steps.`);
    else if (minutes !== s.minutes) edits.push({ op: "resize", session: s.id, minutes });
    const scenario = form[`scenario_${s.id}`];
    if (scenario && scenario !== s.scenarioIds[0]) edits.push({ op: "scenario", session: s.id, scenario });
  });

  const [action, target, position] = (form.action ?? "save").split(":");
  const index = current.sessions.findIndex((s) => s.id === target);
  switch (action) {
    case "up":
    case "down":
      if (index >= 0) edits.push({ op: "move", session: target!, to: Math.max(0, index + (action === "up" ? -1 : 1)) });
      break;
    case "move": {
      // Sent by drag and drop: "move:<session>:<position>".
      const to = Number(position);
      if (index >= 0 && Number.isInteger(to) && to >= 0) edits.push({ op: "move", session: target!, to });
      break;
    }
    case "remove":
      if (index >= 0) edits.push({ op: "remove", session: target! });
      break;
    case "swap": {
      const template = form[`swap_${target}`];
      if (index >= 0 && template) edits.push({ op: "swap", session: target!, template });
      else errors.push("Choose the session to swap in first.");
      break;
    }
    case "add": {
      const template = form.add_template;
      const at = Number(form.add_at);
      if (template) edits.push({ op: "add", template, at: Number.isInteger(at) && at >= 0 ? at : undefined });
      else errors.push("Choose a session to add first.");
      break;
    }
    default:
      break;
  }
  const checked = curriculumEditSchema.safeParse({ version, title: form.title, edits });
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = issue.path[0] === "title" ? "Course title" : issue.path[0] === "version" ? "The form's version" : "An edit";
      errors.push(`${field}: ${issue.message}.`);
    }
  }
  return { edit: errors.length === 0 && checked.success ? checked.data : undefined, version, typedMinutes, errors };
}
