import { test } from "@jest/globals";
import { writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { courseSpecSchemaFor } from "../../../src/domain/index.js";
import { curriculumCalendar } from "../../../src/exports/calendar.js";
import { plan } from "../../../src/planner/index.js";
import { realCatalog } from "../../support/catalog.js";
test("dump", async () => {
  const catalog = await realCatalog();
  const raw = JSON.parse(readFileSync("curricula/examples/healthcare-12h.json", "utf8"));
  const c = plan(courseSpecSchemaFor(catalog.ids).parse({ ...raw, startDate: "2027-03-26", days: ["fri", "sun", "tue"] }), catalog, { id: "abc", now: new Date() });
  writeFileSync("/tmp/london.ics", curriculumCalendar(c));
  writeFileSync("/tmp/london-blocks.ics", curriculumCalendar(c, { events: "blocks" }));
  writeFileSync("/tmp/london.json", JSON.stringify(c));
});
