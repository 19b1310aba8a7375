import { z } from "zod";
import type { Curriculum, Edit } from "../../domain/index.js";

const value = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? (v.at(-1) ?? "") : v));

/** The edit form: version, title, a minutes field and selects per session, and the button that was pressed. */
export const editFormSchema = z.record(z.string(), value);

export interface ParsedEditForm {
  version: number;
  title: string;
  edits: Edit[];
  /** Minutes as typed, to show again when the edits are refused. */
  typedMinutes: Record<string, string>;
  errors: string[];
}

/**
 * Turns the posted edit form into the same edits the API takes: a resize for every changed minutes field, a
 * scenario change for every changed scenario select, then the pressed button's edit (move, remove, swap, add).
 */
export function parseEditForm(body: unknown, current: Curriculum): ParsedEditForm {
  const form = editFormSchema.parse(body ?? {});
  const errors: string[] = [];
  const edits: Edit[] = [];
  const typedMinutes: Record<string, string> = {};
  const version = Number(form.version);
  if (!Number.isInteger(version) || version < 1) errors.push("The form is missing the curriculum's version; reload the page.");

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
  return { version, title: (form.title ?? current.title).trim(), edits, typedMinutes, errors };
}
