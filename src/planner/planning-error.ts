/**
 * The spec is valid but cannot be planned (too few hours for the chosen levels and the core content). Carries the
 * minimum hours that would work, so the API can answer 422 and the CLI can say what to change.
 */
export class PlanningError extends Error {
  constructor(
    message: string,
    readonly minimumHours?: number,
  ) {
    super(message);
    this.name = "PlanningError";
  }
}
