export { buildCatalog, type Catalog, type CompetencyEntry } from "./catalog.js";
export { ContentError, type ContentProblem } from "./content-error.js";
export { loadCatalog } from "./load-catalog.js";
