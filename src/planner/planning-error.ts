/**
 * The spec is valid but cannot be planned (too few hours for the chosen levels and the core content). Carries the
 * minimum hours that would work, so the API can answer 422 and the CLI can say what to change.
 */
export class PlanningError extends Error {
  /** The spec field to change: the hours. */
  readonly field: string = "totalHours";
  constructor(
    message: string,
    readonly minimumHours?: number,
  ) {
    super(message);
    this.name = "PlanningError";
  }
}

/** The chosen days cannot hold the hours (sessions, breaks and check-ins at the daily cap): a 422 saying what would fit. */
export class ScheduleError extends PlanningError {
  override readonly field = "maxHoursPerDay";
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

/**
 * The course would run past the last date of the calendar (9999-12-31). A property of the spec's start date, not
 * of its hours: the API and the forms answer it as a field error on `startDate`, and no curriculum is made.
 */
export class CalendarOverflowError extends Error {
  readonly field = "startDate";
  constructor(lastDate: string) {
    super(`must leave the course time to end by ${lastDate}: choose an earlier start date`);
    this.name = "CalendarOverflowError";
  }
}
