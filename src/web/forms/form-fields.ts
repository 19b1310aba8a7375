/**
 * Reading a posted HTML form (urlencoded: every value is text, a repeated name arrives as a list). Forms here are
 * checked field by field: a field the form does not have, a single-value field sent twice, or a value that is not
 * text is a problem to show on the re-rendered form, never a crash.
 */

/** `single`: at most one value; `list`: checkboxes and multi-selects, any number of values. */
export type FieldKind = "single" | "list";

export interface PostedForm {
  single: Record<string, string>;
  list: Record<string, string[]>;
  /** One message per problem, keyed by field name ("form" for problems with the form as a whole). */
  problems: Record<string, string>;
}

/** The CSRF token's field: every form has it; the CSRF middleware checks it. */
const TOKEN_FIELD = "_csrf";

/**
 * Splits a posted body into single values and lists by the form's fields (`kindOf` says which names the form has).
 * Unknown names, repeated single fields and non-text values become problems; the values that were fine are kept
 * so the form can be shown again as the person filled it in.
 */
export function readPostedForm(body: unknown, kindOf: (name: string) => FieldKind | undefined): PostedForm {
  const form: PostedForm = { single: {}, list: {}, problems: {} };
  if (body === undefined || body === null) return form;
  if (typeof body !== "object" || Array.isArray(body)) {
    form.problems.form = "The form could not be read; reload the page and send it again.";
    return form;
  }
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === TOKEN_FIELD) continue;
    const kind = kindOf(name);
    if (kind === undefined) {
      unknown.push(name);
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v): v is string => typeof v === "string")) {
      form.problems[name] = "must be text";
      continue;
    }
    if (kind === "list") form.list[name] = values;
    else if (values.length === 1) form.single[name] = values[0]!;
    else form.problems[name] = "was sent more than once; send it once";
  }
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 40))).join(", ");
    form.problems.form = `The form has ${unknown.length === 1 ? "a field" : "fields"} this page does not have (${shown}${unknown.length > 5 ? ", ..." : ""}); reload the page and send it again.`;
  }
  return form;
}
