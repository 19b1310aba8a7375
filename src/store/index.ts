export { StaleVersionError, summarise, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
export { LowdbCurriculumRepository } from "./lowdb-repository.js";
export { MemoryCurriculumRepository } from "./memory-repository.js";
export { InvalidRecordError, StoreCorruptError, StoreLockedError, type RecordIssue } from "./store-errors.js";
