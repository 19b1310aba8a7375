export { StaleVersionError, summarise, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
export { MemoryCurriculumRepository } from "./memory-repository.js";
