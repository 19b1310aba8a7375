export { MIN_PRACTICAL_SHARE, PRACTICAL_SHARE_TOLERANCE } from "./constants.js";
export { plan, minimumHours, type PlanContext } from "./plan.js";
export { CalendarOverflowError, PlanningError, ScheduleError } from "./planning-error.js";
export { alternatives, revise, type BrokenRule, type EditProblem, type RevisionResult } from "./revise.js";
export { daysAskedFor } from "./schedule.js";
export { auditCurriculum, unmetRequired } from "./audit.js";
