// Child process for the crash test: saves curricula one after another and prints each id once its save has
// returned (acknowledged), until it is killed. Usage: node store-burst.mjs <store dir> <curriculum json file>
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
const [dir, samplePath] = process.argv.slice(2);
const { LowdbCurriculumRepository } = await import(new URL("../../dist/src/store/index.js", import.meta.url));
const sample = JSON.parse(readFileSync(samplePath, "utf8"));
const store = await LowdbCurriculumRepository.open(dir);
process.stdout.write("ready\n");
for (let i = 0; ; i++) {
  const id = randomUUID();
  await store.create({ ...sample, id, title: `burst ${i}` });
  process.stdout.write(`${id}\n`);
}
