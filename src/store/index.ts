export { inScope, StaleVersionError, summarise, type ListScope, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
export { LowdbCurriculumRepository } from "./lowdb-repository.js";
export { MemoryCurriculumRepository } from "./memory-repository.js";
export { InvalidRecordError, StoreCorruptError, StoreLockedError, type RecordIssue } from "./store-errors.js";
export { AlreadySetUpError, DuplicateEmailError, type AccountRepository, type AuditQuery } from "./account-repository.js";
export { MemoryAccountRepository } from "./memory-account-repository.js";
export { LowdbAccountRepository } from "./lowdb-account-repository.js";
