/** One thing wrong with a content file: which file, where in it (a JSON path), and why. */
export interface ContentProblem {
  file: string;
  path: string;
  message: string;
}

/**
 * Thrown when the content folder cannot be loaded. Start-up stops with this message, so it lists every problem
 * found, each as `file: path: reason`, rather than only the first.
 */
export class ContentError extends Error {
  readonly problems: readonly ContentProblem[];

  constructor(problems: readonly ContentProblem[]) {
    const lines = problems.map((p) => `  ${p.file}: ${p.path || "(file)"}: ${p.message}`);
    super(`The content could not be loaded (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "ContentError";
    this.problems = problems;
  }
}

/** Formats a zod issue path as a JSON path: `domains[0].general[2].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
