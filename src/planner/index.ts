export { plan, minimumHours, MIN_PRACTICAL_SHARE, PRACTICAL_SHARE_TOLERANCE, type PlanContext } from "./plan.js";
export { PlanningError } from "./planning-error.js";
export { SCHEDULE_RULES } from "./schedule.js";
