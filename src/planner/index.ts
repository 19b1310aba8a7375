export { MIN_PRACTICAL_SHARE, PRACTICAL_SHARE_TOLERANCE } from "./constants.js";
export { plan, minimumHours, type PlanContext } from "./plan.js";
export { CalendarOverflowError, PlanningError } from "./planning-error.js";
export { alternatives, revise, type EditProblem, type RevisionResult } from "./revise.js";
export { checkRules, type BrokenRule } from "./rules.js";
export { SCHEDULE_RULES } from "./schedule.js";
