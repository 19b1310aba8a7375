/**
 * Arbitraries for the HTTP fuzz suite (test/integration/fuzz.test.ts): requests against every route of the app, as
 * data. A request is described, not sent: it may hold tokens ($ID, $VERSION, $CSRF, ...) that the suite resolves
 * against the live store just before sending, so that a request generated (or shrunk) long before still names a
 * curriculum that exists, its current version and real session ids.
 */
import fc from "fast-check";

/** Tokens: `$ID`/`$ID2` two existing curricula; `$VERSION`, `$SESSION:n`, `$MINUTES:n` of the first; `$CSRF` a valid token; `$ORIGIN` the server's own origin. */
export interface TokenContext {
  id: string;
  id2: string;
  version: number;
  sessions: readonly { id: string; minutes: number }[];
  csrf: string;
  origin: string;
}

const TOKEN = /\$(ID2|ID|VERSION\+1|VERSION|CSRF|ORIGIN|SESSION:\d+|MINUTES:\d+)/g;

export function resolveText(text: string, ctx: TokenContext): string {
  return text.replace(TOKEN, (_all, name: string) => {
    if (name === "ID") return ctx.id;
    if (name === "ID2") return ctx.id2;
    if (name === "VERSION") return String(ctx.version);
    if (name === "VERSION+1") return String(ctx.version + 1);
    if (name === "CSRF") return ctx.csrf;
    if (name === "ORIGIN") return ctx.origin;
    const [kind, n] = name.split(":") as [string, string];
    const session = ctx.sessions[Number(n) % Math.max(1, ctx.sessions.length)];
    if (!session) return "no-session";
    return kind === "SESSION" ? session.id : String(session.minutes);
  });
}

/** In JSON, a value that is exactly `$VERSION`, `$VERSION+1` or `$MINUTES:n` becomes a number; other tokens stay text. */
export function resolveJson(value: unknown, ctx: TokenContext): unknown {
  if (typeof value === "string") {
    if (value === "$VERSION" || value === "$VERSION+1" || /^\$MINUTES:\d+$/.test(value)) return Number(resolveText(value, ctx));
    return resolveText(value, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => resolveJson(v, ctx));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [resolveText(k, ctx), resolveJson(v, ctx)]));
  return value;
}

export type FuzzBody =
  /** Serialised with JSON.stringify (after token resolution). */
  | { kind: "json"; value: unknown }
  /** Sent as UTF-8 text exactly (after token resolution): broken JSON, odd form syntax; `as` says which it imitates. */
  | { kind: "text"; text: string; as: "json" | "form" }
  /** Each character is one byte (0-255): invalid UTF-8 and binary, as a form. */
  | { kind: "bytes"; latin1: string; as: "json" | "form" }
  /** application/x-www-form-urlencoded pairs, in order; repeated names are repeated fields. */
  | { kind: "form"; fields: [string, string][] };

/** A Content-Encoding header and what happens to the body: encoded properly, corrupted, truncated, not encoded at all, or a decompression bomb. */
export interface BodyEncoding {
  header: string;
  damage: "none" | "corrupt" | "truncate" | "plain" | "bomb";
}

export interface FuzzRequest {
  /** The route it aims at ("PUT /api/curricula/:id", "random path"): how failures are grouped. */
  label: string;
  method: string;
  /** The raw request-target, sent as is (may hold tokens and malformed percent-encoding). */
  path: string;
  headers: [string, string][];
  body?: FuzzBody;
  encoding?: BodyEncoding;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
}

/** The catalog's ids, for near-valid values. */
export interface FuzzCatalog {
  sectors: readonly string[];
  tiers: readonly string[];
  domains: readonly string[];
  templates: readonly string[];
  scenarios: readonly string[];
  competencies: readonly string[];
}

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

type BodyShape = "none" | "spec" | "edit" | "certificates" | "course-form" | "edit-form" | "certificates-form" | "csrf-form";
type QueryShape = "none" | "paper" | "kit" | "pack" | "scenarios";

export interface RouteSpec {
  method: string;
  path: string;
  body: BodyShape;
  query: QueryShape;
}

const route = (method: string, path: string, body: BodyShape = "none", query: QueryShape = "none"): RouteSpec => ({ method, path, body, query });

/** Every route of the app (README's table, the pages and the print routes). */
export const ROUTES: readonly RouteSpec[] = [
  route("GET", "/healthz"),
  route("GET", "/api/catalog"),
  route("GET", "/api/scenarios", "none", "scenarios"),
  route("GET", "/api/curricula"),
  route("POST", "/api/curricula", "spec"),
  route("GET", "/api/curricula/:id"),
  route("PUT", "/api/curricula/:id", "edit"),
  route("DELETE", "/api/curricula/:id"),
  route("POST", "/api/curricula/:id/clone"),
  route("GET", "/api/curricula/:id/kit"),
  route("POST", "/api/curricula/:id/certificates", "certificates"),
  route("GET", "/"),
  route("GET", "/curricula/new"),
  route("POST", "/curricula", "course-form"),
  route("GET", "/curricula/:id"),
  route("GET", "/curricula/:id/edit"),
  route("POST", "/curricula/:id/edit", "edit-form"),
  route("POST", "/curricula/:id/clone", "csrf-form"),
  route("GET", "/curricula/:id/delete"),
  route("POST", "/curricula/:id/delete", "csrf-form"),
  route("POST", "/curricula/:id/certificates", "certificates-form"),
  route("GET", "/framework"),
  route("GET", "/scenarios", "none", "scenarios"),
  route("GET", "/scenarios/:scenario"),
  route("GET", "/curricula/:id/syllabus.html", "none", "paper"),
  route("GET", "/curricula/:id/facilitator-guide.html", "none", "paper"),
  route("GET", "/curricula/:id/syllabus.pdf", "none", "paper"),
  route("GET", "/curricula/:id/facilitator-guide.pdf", "none", "paper"),
  route("GET", "/curricula/:id/kit.pdf", "none", "kit"),
  route("GET", "/scenario-packs/:file", "none", "pack"),
  route("GET", "/static/app.css"),
];

export const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// ---------------------------------------------------------------------------------------------------------------
// Values

const CONTROL = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

/** Strings that have broken parsers, renderers and file names elsewhere. */
const NASTY_STRINGS = [
  "",
  " ",
  "   \t  ",
  "\u0000",
  "a\u0000b",
  "\u0007\u0008\u001b[31m",
  "\r\n\r\n",
  "line\nbreak",
  "\u202eevil\u202c",
  "\u200b",
  "\ufeff",
  "\ud800",
  "\udfff\ud800",
  "🙂🙂🙂",
  "👩🏽‍⚕️ Ärztin Zoë Ñ 李 محمد",
  "<script>alert(1)</script>",
  "\"><img src=x onerror=alert(1)>",
  "{{title}}",
  "{{{constructor.constructor 'return 1'}}}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "../../etc/passwd",
  "..\\..\\windows",
  "%ZZ",
  "%E0%A4%A",
  "%00",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e3",
  "16",
  "0x10",
  " 16 ",
  "16abc",
  "-0",
  "null",
  "true",
  "undefined",
  "[object Object]",
];

const DATES = [
  "9999-12-31",
  "9999-12-30",
  "9999-01-01",
  "0000-01-01",
  "0001-01-01",
  "1000-01-01",
  "1899-12-31",
  "1970-01-01",
  "2027-02-29",
  "2028-02-29",
  "2027-12-31",
  "2027-13-01",
  "2027-00-10",
  "2027-03-32",
  "2027-3-1",
  "27-03-01",
  "2027/03/01",
  "01-03-2027",
  "2027-03-01T00:00:00Z",
  "2027-03-01 ",
  "+275760-09-13",
  "-000001-01-01",
  "+010000-01-01",
  "2027-03-01\u0000",
];

const CLOCKS = ["00:00", "23:59", "24:00", "12:60", "9:00", "09:00:00", "-1:00", "09h00", "21:00", "20:31", "16:00", "07:30"];

const ZONES = [
  "UTC",
  "utc",
  "Europe/Madrid",
  "europe/madrid",
  "Mars/Olympus",
  "Etc/GMT+12",
  "Etc/GMT-14",
  "Pacific/Kiritimati",
  "Pacific/Chatham",
  "Australia/Lord_Howe",
  "America/St_Johns",
  "Asia/Kathmandu",
  "America/Argentina/ComodRivadavia",
  "GMT+5",
  "+05:00",
  "Z",
  "Europe/Madrid".repeat(50),
];

const NUMBERS = [
  0, -1, -4, 0.5, 1.5, 3.5, 3.9999999, 4, 4.25, 4.5, 7.75, 12, 16, 40, 50, 79.5, 80, 80.5, 81, 100, 1000, 1e21, 1e308, -1e308,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MIN_VALUE, 0.4, 0.39999999999, 0.8, 0.80000001, 2, 8, 8.5, 30, 31,
];

const WRONG_TYPES: unknown[] = [null, true, false, {}, [], [[]], { a: 1 }, "", 0, [null]];

/** Each course-spec field at and just past the edges of its rules (dates near the end of the calendar weigh most: a course that runs past 9999-12-31 is where dates overflow). */
const SPEC_EDGES: Record<string, readonly unknown[]> = {
  title: ["T".repeat(200), "T".repeat(201), " x ", "🙂".repeat(100), "🙂".repeat(101), "\u00a0", "\u200b\u200b"],
  totalHours: [4, 3.5, 80, 80.5, 4.5, 79.5, 4.25],
  practicalShare: [0.4, 0.8, 0.39999999999999997, 0.8000000000000002, 0.41],
  startDate: ["9999-12-31", "9999-12-30", "9999-12-24", "9999-12-01", "9999-11-15", "0001-01-01", "0000-01-01", "2028-02-29", "1970-01-01"],
  days: [["sun"], ["sat", "sun"], [...["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], ["mon", "mon"]],
  dayStart: ["00:00", "23:59", "15:00", "15:05", "12:00"],
  maxHoursPerDay: [2, 8, 1.5, 8.5, 2.5],
  timezone: ["Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Chatham", "Australia/Lord_Howe", "America/St_Johns", "Asia/Kathmandu"],
  groupSize: [4, 30, 3, 31],
  focusDomains: [[]],
  tiers: [[], ["peer-support"], ["prevention", "self-care", "peer-support", "professional-support", "clinical-support"]],
};

/** The same edges as the form sends them (the share in percent). */
const FORM_EDGES: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries(SPEC_EDGES)
    .filter(([, values]) => values.every((v) => !Array.isArray(v)))
    .map(([field, values]) => [field, values.map((v) => (field === "practicalShare" ? String(Number(v) * 100) : String(v)))]),
);

export const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: CONTROL, minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(201, 1000, 20_000).map((n) => "T".repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(200, 3000).map((n) => "🙂".repeat(n)) },
);

const nastyNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

const wrongType = fc.constantFrom(...WRONG_TYPES);

/** A list value: sensible entries, junk entries, thousands of entries, or not a list. */
function nastyList(valid: readonly string[]): fc.Arbitrary<unknown> {
  const entry = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: wrongType });
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(entry, { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...valid), nastyString), fc.integer({ min: 1000, max: 5000 })).map(([v, n]) => Array<unknown>(n).fill(v)) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `Bad Id ${i}`)) },
    { weight: 1, arbitrary: fc.oneof(nastyString, wrongType, nastyNumber) },
  );
}

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Very deep nesting: `[[[[...]]]]` or `{"a":{"a":...}}`. */
const deepJson = fc.tuple(fc.integer({ min: 100, max: 5000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth)));

/** Raw bodies that are almost JSON, or JSON that JavaScript reads oddly. */
const RAW_JSON = [
  "",
  " ",
  "null",
  "true",
  "0",
  '"text"',
  "[]",
  "{",
  '{"title": ',
  '{"title": "x",}',
  "{'title': 'x'}",
  '{"title": "x"} trailing',
  "\ufeff{}",
  '{"totalHours": 1e999}',
  '{"totalHours": -1e999}',
  '{"totalHours": 16, "totalHours": "16"}',
  '{"__proto__": {"isAdmin": true}, "title": "x"}',
  '{"constructor": {"prototype": {"polluted": 1}}}',
  '{"version": $VERSION, "edits": [], "__proto__": []}',
  '{"participants": ["\\u0000"]}',
  '{"title": "\\ud800"}',
  "[".repeat(20_000),
];

export const rawJsonText = fc.oneof(fc.constantFrom(...RAW_JSON), deepJson, fc.string({ maxLength: 80 }));

/** A record with one field replaced, deleted or added, applied a few times. */
function mutate(base: Record<string, unknown>, fieldValues: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(fieldValues);
  const mutation = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fields).chain((field) => fieldValues[field]!.map((value) => ({ field, value, remove: false }))) },
    { weight: 1, arbitrary: fc.constantFrom(...fields).map((field) => ({ field, value: undefined as unknown, remove: true })) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom("id", "version", "extra", "isAdmin", "toString", "spec", "sessions"), fc.string({ maxLength: 12 })), anyJson).map(([field, value]) => ({ field, value, remove: false })) },
  );
  // Mostly one field off (so it is the one that matters), sometimes several.
  const mutations = fc.oneof({ weight: 3, arbitrary: mutation.map((m) => [m]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 4 }) });
  return mutations.map((mutations) => {
    const result: Record<string, unknown> = { ...base };
    for (const m of mutations) {
      if (m.remove) delete result[m.field];
      else Object.defineProperty(result, m.field, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    return result;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// JSON bodies

/** A course spec with a few fields made odd: the JSON body of POST /api/curricula. */
export function specBody(c: FuzzCatalog, base: Record<string, unknown>): fc.Arbitrary<FuzzBody> {
  const near = mutate(base, {
    title: fc.oneof(nastyString, wrongType, nastyNumber),
    sector: fc.oneof(fc.constantFrom(...c.sectors), fc.constantFrom(...c.sectors.map((s) => s.toUpperCase())), nastyString, wrongType),
    tiers: nastyList(c.tiers),
    totalHours: fc.oneof({ weight: 4, arbitrary: nastyNumber }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }),
    practicalShare: fc.oneof({ weight: 4, arbitrary: nastyNumber }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }),
    startDate: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...DATES) }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType, nastyNumber) }),
    days: nastyList(WEEKDAYS),
    dayStart: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...CLOCKS) }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }),
    maxHoursPerDay: fc.oneof(nastyNumber, wrongType),
    timezone: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ZONES) }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }),
    groupSize: fc.oneof(nastyNumber, wrongType),
    focusDomains: nastyList(c.domains),
  });
  const edgeFields = Object.keys(SPEC_EDGES);
  const edges = fc
    .uniqueArray(fc.constantFrom(...edgeFields), { minLength: 1, maxLength: 3 })
    .chain((fields) => fc.tuple(...fields.map((f) => fc.constantFrom(...SPEC_EDGES[f]!).map((v) => [f, v] as const))))
    .map((pairs) => ({ ...base, ...Object.fromEntries(pairs) }));
  return fc.oneof(
    { weight: 4, arbitrary: edges.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 6, arbitrary: near.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: anyJson.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: rawJsonText.map((text): FuzzBody => ({ kind: "text", text, as: "json" })) },
  );
}

const sessionRef = fc.oneof(
  { weight: 5, arbitrary: fc.nat({ max: 60 }).map((n) => `$SESSION:${n}`) },
  { weight: 1, arbitrary: fc.oneof(nastyString, wrongType, fc.uuid()) },
);

/** One edit of PUT /api/curricula/:id: mostly well formed, some with odd fields. */
function editArb(c: FuzzCatalog, nasty: boolean): fc.Arbitrary<unknown> {
  const position = nasty ? fc.oneof(fc.nat({ max: 40 }), nastyNumber, wrongType) : fc.nat({ max: 40 });
  const minutes = nasty ? fc.oneof(fc.integer({ min: 1, max: 48 }).map((n) => n * 5), nastyNumber, wrongType) : fc.integer({ min: 1, max: 48 }).map((n) => n * 5);
  const template = nasty ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...c.templates) }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }) : fc.constantFrom(...c.templates);
  const scenario = nasty ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...c.scenarios) }, { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) }) : fc.constantFrom(...c.scenarios);
  const session = nasty ? sessionRef : fc.nat({ max: 60 }).map((n) => `$SESSION:${n}`);
  const edits: fc.Arbitrary<unknown>[] = [
    fc.record({ op: fc.constant("move"), session, to: position }),
    fc.record({ op: fc.constant("resize"), session, minutes }),
    fc.record({ op: fc.constant("swap"), session, template }),
    fc.record({ op: fc.constant("add"), template, at: position }, { requiredKeys: ["op", "template"] }),
    fc.record({ op: fc.constant("remove"), session }),
    fc.record({ op: fc.constant("scenario"), session, scenario }),
  ];
  if (nasty) edits.push(fc.record({ op: fc.oneof(nastyString, wrongType), session, extra: anyJson }, { requiredKeys: [] }), anyJson);
  return fc.oneof(...edits);
}

/** A body for PUT /api/curricula/:id: `{ version, title?, edits }` with odd versions, titles and edit lists. */
export function editBody(c: FuzzCatalog): fc.Arbitrary<FuzzBody> {
  const version = fc.oneof(
    { weight: 6, arbitrary: fc.constant<unknown>("$VERSION") },
    { weight: 1, arbitrary: fc.constantFrom<unknown>("$VERSION+1", 0, -1, 1.5, "1", null, 1e308, true, [], "$VERSION ") },
  );
  const edits = fc.oneof(
    { weight: 6, arbitrary: fc.array(editArb(c, true), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(199, 200, 201, 1000, 3000), editArb(c, true)).map(([n, e]) => Array<unknown>(n).fill(e)) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => ({ op: "resize", session: `$SESSION:${i}`, minutes: 7 }))) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 200 }).map((n) => Array.from({ length: n }, () => ({ op: "add", template: c.templates[0] }))) },
    { weight: 1, arbitrary: fc.oneof(wrongType, nastyString) },
  );
  const title = fc.oneof(nastyString, wrongType, fc.constant("Renamed course"));
  // Well formed, so that the edits reach the planner (200 or 422)...
  const wellFormed = fc.record({ version: fc.constant("$VERSION"), title: fc.constantFrom("Renamed course", " Trimmed ", "李小龙的课程"), edits: fc.array(editArb(c, false), { maxLength: 5 }) }, { requiredKeys: ["version", "edits"] });
  // ...or one field off.
  const near = mutate({ version: "$VERSION", edits: [] }, { version, title, edits });
  return fc.oneof(
    { weight: 4, arbitrary: wellFormed.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 6, arbitrary: near.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: anyJson.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: rawJsonText.map((text): FuzzBody => ({ kind: "text", text, as: "json" })) },
  );
}

const participantName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("Ana García", "李小龙", "محمد", "Zoë O'Brien-Ñúñez", "X Æ A-12") },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: wrongType },
);

/** A body for POST /api/curricula/:id/certificates: `{ participants, paper }`. */
export function certificatesBody(): fc.Arbitrary<FuzzBody> {
  const participants = fc.oneof(
    { weight: 5, arbitrary: fc.array(participantName, { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(500, 501, 3000), participantName).map(([n, name]) => Array<unknown>(n).fill(name)) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 600 }).map((n) => Array<unknown>(n).fill("bad\u0000name")) },
    { weight: 1, arbitrary: fc.oneof(wrongType, nastyString) },
  );
  const near = fc.record({ participants, paper: fc.oneof(fc.constantFrom("a4", "letter", "A4", "legal"), wrongType), extra: anyJson }, { requiredKeys: ["participants"] });
  return fc.oneof(
    { weight: 8, arbitrary: near.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: anyJson.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: rawJsonText.map((text): FuzzBody => ({ kind: "text", text, as: "json" })) },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Forms

type Fields = [string, string][];

const formValue = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(...DATES, ...CLOCKS, ...ZONES) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBERS).map(String) },
);

const unknownField = fc.oneof(
  fc.constantFrom("x", "tiers[]", "tiers[0]", "title[]", "__proto__", "constructor", "hasOwnProperty", "_csrf[]", "action[]", "", "=", "%ZZ", "a.b", "version[]"),
  fc.string({ maxLength: 15 }),
);

/** Changes to a form: a field set to an odd value, repeated, emptied, removed; unknown, many and repeated fields. */
function mutateForm(base: Fields, settable: readonly string[], listValues: Record<string, readonly string[]>, edges: Record<string, readonly string[]> = {}): fc.Arbitrary<Fields> {
  type Change = (f: Fields) => Fields;
  const field = fc.constantFrom(...settable);
  const value = (name: string) => (edges[name] ? fc.oneof(fc.constantFrom(...edges[name]), formValue) : formValue);
  const change: fc.Arbitrary<Change> = fc.oneof(
    { weight: 4, arbitrary: field.chain((name) => value(name).map((v): Change => (f) => [...f.filter(([k]) => k !== name), [name, v]])) },
    { weight: 2, arbitrary: fc.tuple(field, formValue).map(([name, v]): Change => (f) => [...f, [name, v]]) },
    { weight: 1, arbitrary: field.map((name): Change => (f) => f.map(([k, v]) => [k, k === name ? "" : v])) },
    { weight: 1, arbitrary: field.map((name): Change => (f) => f.filter(([k]) => k !== name)) },
    { weight: 1, arbitrary: fc.tuple(unknownField, formValue).map(([name, v]): Change => (f) => [...f, [name, v]]) },
    { weight: 1, arbitrary: fc.constantFrom(100, 1999, 2001, 5000).map((n): Change => (f) => [...f, ...Array.from({ length: n }, (_, i): [string, string] => [`f${i}`, "1"])]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...Object.keys(listValues)), fc.integer({ min: 2, max: 3000 }))
        .chain(([name, n]) => fc.constantFrom(...listValues[name]!, "junk").map((v): Change => (f) => [...f, ...Array.from({ length: n }, (): [string, string] => [name, v])])),
    },
    { weight: 1, arbitrary: fc.constantFrom<Change>((f) => f.filter(([k]) => k !== "_csrf"), (f) => [...f, ["_csrf", "$CSRF"]], (f) => f.map(([k, v]) => [k, k === "_csrf" ? "0".repeat(64) : v])) },
  );
  const changes = fc.oneof({ weight: 3, arbitrary: change.map((c) => [c]) }, { weight: 1, arbitrary: fc.array(change, { minLength: 2, maxLength: 4 }) });
  return changes.map((list) => list.reduce((f, c) => c(f), base));
}

/** Raw form bodies that are not what a browser sends. */
const RAW_FORMS = ["", "&&&", "=", "==&==", "_csrf=$CSRF&title=%ZZ", "_csrf=$CSRF&%ZZ=1", "_csrf=$CSRF&title=%E0%A4%A", "_csrf=$CSRF&title", "_csrf=$CSRF&title=a=b=c", "%", "_csrf=$CSRF&" + "a&".repeat(3000), "_csrf=$CSRF;title=x"];

function formBody(fields: fc.Arbitrary<Fields>): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: 10, arbitrary: fields.map((f): FuzzBody => ({ kind: "form", fields: f })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_FORMS).map((text): FuzzBody => ({ kind: "text", text, as: "form" })) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)), maxLength: 200 }).map((t): FuzzBody => ({ kind: "bytes", latin1: `_csrf=$CSRF&title=${t}`, as: "form" })) },
  );
}

export const COURSE_FORM: Fields = [
  ["_csrf", "$CSRF"],
  ["title", "Night-shift responders"],
  ["sector", "healthcare"],
  ["tiers", "peer-support"],
  ["tiers", "self-care"],
  ["totalHours", "12"],
  ["practicalShare", "50"],
  ["startDate", "2027-02-01"],
  ["days", "mon"],
  ["days", "wed"],
  ["dayStart", "09:00"],
  ["maxHoursPerDay", "6"],
  ["timezone", "Europe/Madrid"],
  ["groupSize", "12"],
];

/** The new-course form (POST /curricula), near valid. */
export function courseForm(c: FuzzCatalog): fc.Arbitrary<FuzzBody> {
  const settable = ["title", "sector", "tiers", "totalHours", "practicalShare", "startDate", "days", "dayStart", "maxHoursPerDay", "timezone", "groupSize", "focusDomains"];
  return formBody(mutateForm(COURSE_FORM, settable, { tiers: c.tiers, days: WEEKDAYS, focusDomains: c.domains }, FORM_EDGES));
}

/** The edit form (POST /curricula/:id/edit): version, title, minutes and scenario fields, and one pressed button. */
export function editForm(c: FuzzCatalog): fc.Arbitrary<FuzzBody> {
  const n = fc.nat({ max: 40 });
  const action = fc.oneof(
    fc.constant("save"),
    n.map((i) => `up:$SESSION:${i}`),
    n.map((i) => `down:$SESSION:${i}`),
    fc.tuple(n, fc.oneof(fc.nat({ max: 40 }).map(String), fc.constantFrom("-1", "1e9", "1.5", "", "x"))).map(([i, to]) => `move:$SESSION:${i}:${to}`),
    n.map((i) => `remove:$SESSION:${i}`),
    n.map((i) => `swap:$SESSION:${i}`),
    fc.constant("add"),
    fc.constantFrom("", ":::", "move", "swap:", "remove:nope", "delete", "up:$SESSION:0:extra"),
  );
  const base = fc.tuple(action, n, fc.constantFrom(...c.templates), fc.constantFrom(...c.scenarios), fc.oneof(fc.nat({ max: 40 }).map(String), formValue)).map(
    ([act, i, template, scenario, at]): Fields => [
      ["_csrf", "$CSRF"],
      ["version", "$VERSION"],
      ["title", "Edited course"],
      ["m_$SESSION:0", "$MINUTES:0"],
      [`m_$SESSION:${i}`, "$MINUTES:" + i],
      [`scenario_$SESSION:${i}`, scenario],
      [`swap_$SESSION:${i}`, template],
      ["add_template", template],
      ["add_at", at],
      ["action", act],
    ],
  );
  const settable = ["version", "title", "m_$SESSION:0", "m_$SESSION:1", "m_$SESSION:5", "scenario_$SESSION:3", "swap_$SESSION:2", "add_template", "add_at", "action"];
  return formBody(base.chain((b) => fc.oneof(fc.constant(b), mutateForm(b, settable, { action: ["save", "add"], "m_$SESSION:1": ["30", "7"], version: ["$VERSION"] }))));
}

/** The certificates form: names one per line. */
export function certificatesForm(): fc.Arbitrary<FuzzBody> {
  const names = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom("Ana García", "李小龙", "Zoë"), nastyString), { maxLength: 5 }).map((l) => l.join("\n")) },
    { weight: 1, arbitrary: fc.constantFrom(500, 501, 4000).map((k) => Array.from({ length: k }, (_, i) => `Person ${i}`).join("\r\n")) },
    { weight: 1, arbitrary: fc.constantFrom("\n\n\n", "\r\r\r", "a\u0000b\nc\u0007") },
  );
  const base = fc.tuple(names, fc.constantFrom("a4", "letter")).map(([text, paper]): Fields => [["_csrf", "$CSRF"], ["names", text], ["paper", paper]]);
  return formBody(base.chain((b) => fc.oneof(fc.constant(b), mutateForm(b, ["names", "paper"], { names: ["Ana"], paper: ["a4"] }))));
}

/** Clone and delete forms: only the CSRF field, plus whatever else. */
export function csrfForm(): fc.Arbitrary<FuzzBody> {
  const base: Fields = [["_csrf", "$CSRF"]];
  return formBody(fc.oneof(fc.constant(base), mutateForm(base, ["_csrf", "confirm"], { _csrf: ["$CSRF"] })));
}

// ---------------------------------------------------------------------------------------------------------------
// Paths and queries

/** Percent-encodes UTF-8 bytes (never throws, unlike encodeURIComponent on lone surrogates). */
export function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Text as raw UTF-8 bytes on the wire (Node sends each char 0x21-0xff of a path as one byte). */
// eslint-disable-next-line no-control-regex -- control characters and space cannot go raw into a request line
const rawUtf8 = (text: string) => Buffer.from(text, "utf8").toString("latin1").replace(/[\u0000-\u0020\u007f]/g, (c) => percentEncode(c));

const BAD_SEGMENTS = [
  "%ZZ",
  "%",
  "%%",
  "%E0%A4%A",
  "%C0%AF",
  "%C0%AE%C0%AE",
  "%00",
  "%FF",
  "%2F",
  "%2f..%2f",
  "%2e%2e",
  "%252e",
  "..",
  ".",
  "...",
  "$ID%00",
  "$ID%",
  "$ID/..",
  "$ID/.",
  "$ID;x=1",
  "$ID.json",
  "$ID%20",
  "$ID/",
  "$ID//",
  "..%2f$ID",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "\\..\\",
  "con",
  "nul.json",
  "store.lock",
  "-1",
  "0",
  "__proto__",
  "constructor",
  "new",
];

/** A value in the place of a curriculum id: an existing one, a random UUID, or something malformed. */
export const idSegment = (nasty: boolean) =>
  nasty
    ? fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("$ID", "$ID2") },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 5, arbitrary: fc.constantFrom(...BAD_SEGMENTS) },
        { weight: 1, arbitrary: fc.constantFrom(300, 5000, 20_000).map((n) => "a".repeat(n)) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).map(percentEncode) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).map(rawUtf8) },
        { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((b) => String.fromCharCode(b)), minLength: 1, maxLength: 12 }) },
      )
    : fc.oneof({ weight: 8, arbitrary: fc.constant("$ID") }, { weight: 1, arbitrary: fc.constant("$ID2") }, { weight: 1, arbitrary: fc.uuid() });

function fileSegment(c: FuzzCatalog, nasty: boolean): fc.Arbitrary<string> {
  const good = fc.constantFrom(...c.sectors).map((s) => `${s}.pdf`);
  if (!nasty) return fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: fc.constantFrom("aviation.pdf", "POLICE.pdf") });
  return fc.oneof(
    good,
    fc.constantFrom("%.pdf", "%ZZ.pdf", "police.pdf%00", "police%00.pdf", "..%2fpolice.pdf", "police", "police.pdf.pdf", ".pdf", "%2e%2e%2fpolice.pdf", "police.PDF", "%E0%A4%A.pdf", "police.pdf;x", "police.pdf%2F"),
    idSegment(true).map((s) => `${s}.pdf`),
  );
}

function scenarioSegment(c: FuzzCatalog, nasty: boolean): fc.Arbitrary<string> {
  return nasty ? fc.oneof(fc.constantFrom(...c.scenarios), idSegment(true)) : fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...c.scenarios) }, { weight: 1, arbitrary: fc.constant("no-such-scenario") });
}

/** Fills the route's parameters. */
export function routePath(spec: RouteSpec, c: FuzzCatalog, nasty: boolean): fc.Arbitrary<string> {
  return fc.tuple(idSegment(nasty), scenarioSegment(c, nasty), fileSegment(c, nasty)).map(([id, scenario, file]) =>
    spec.path.replace(":id", id).replace(":scenario", scenario).replace(":file", file),
  );
}

const queryValue = (c: FuzzCatalog) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("a4", "letter", "trainer", "participant", "facilitator", ...c.sectors, ...c.tiers, ...c.competencies.slice(0, 5)).map(percentEncode) },
    { weight: 2, arbitrary: nastyString.map((s) => percentEncode(s.slice(0, 300))) },
    { weight: 1, arbitrary: fc.constantFrom("%ZZ", "%", "%E0%A4%A", "%00", "", "a+b", "%2B", "x".repeat(3000)) },
  );

/** A query string: the route's own parameters with odd values, repeated, unknown ones, and malformed encoding. */
export function queryString(c: FuzzCatalog, shape: QueryShape): fc.Arbitrary<string> {
  const own: Record<QueryShape, string[]> = {
    none: ["saved", "deleted"],
    paper: ["paper"],
    kit: ["paper", "edition"],
    pack: ["paper", "edition", "tier", "competency"],
    scenarios: ["sector", "tier", "competency"],
  };
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...own[shape]) },
    { weight: 1, arbitrary: fc.constantFrom("x", "sector[]", "paper[]", "__proto__", "constructor", "%ZZ", "", "a[b][c]", "saved") },
  );
  const pair = fc.tuple(key, queryValue(c), fc.boolean()).map(([k, v, hasValue]) => (hasValue ? `${k}=${v}` : k));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: fc.array(pair, { minLength: 1, maxLength: 5 }).map((pairs) => `?${pairs.join("&")}`) },
    { weight: 1, arbitrary: fc.constantFrom("?", "??", "?&&&", "?=", "?" + "a=1&".repeat(2000), "?paper=a4&paper=letter", "?sector=police&sector=police") },
  );
}

/** A path made odd around a real route: dot segments, double slashes, case, trailing bits, absolute-form targets. */
function mangledPath(c: FuzzCatalog): fc.Arbitrary<string> {
  const base = fc.constantFrom(...ROUTES).chain((r) => fc.tuple(routePath(r, c, true), queryString(c, r.query)));
  return fc.tuple(base, fc.constantFrom("none", "trailing-slash", "double-slash", "dot", "dotdot", "upper", "encoded-slash", "absolute", "backslash", "hash", "semicolon")).map(([[path, query], how]) => {
    switch (how) {
      case "trailing-slash":
        return `${path}/${query}`;
      case "double-slash":
        return `/${path}${query}`;
      case "dot":
        return `/.${path}${query}`;
      case "dotdot":
        return `/static/..${path}/../..${path}${query}`;
      case "upper":
        return `${path.toUpperCase()}${query}`;
      case "encoded-slash":
        return `${path.replace(/\//g, "%2F").replace(/^%2F/, "/")}${query}`;
      case "absolute":
        return `http://elsewhere.example${path}${query}`;
      case "backslash":
        return `${path.replace(/\//g, "\\")}${query}`;
      case "hash":
        return `${path}#frag${query}`;
      case "semicolon":
        return `${path};v=1${query}`;
      default:
        return `${path}${query}`;
    }
  });
}

/** Any path at all: segments of random bytes, unicode, malformed escapes. */
const randomPath = fc.oneof(
  fc.webPath({ size: "medium" }).map((p) => p || "/"),
  fc.array(fc.oneof(fc.constantFrom(...BAD_SEGMENTS, "api", "curricula", "scenarios", "static", "scenario-packs"), fc.string({ unit: "binary", maxLength: 10 }).map(rawUtf8), fc.string({ unit: "binary", maxLength: 10 }).map(percentEncode)), { minLength: 1, maxLength: 6 }).map((s) => `/${s.join("/")}`),
  fc.constantFrom("*", "/%", "/%ZZ", "/%C0%AF", "/..", "/../../etc/passwd", "/static/../../package.json", "/static/%2e%2e/%2e%2e/package.json", "/static/..%2f..%2fpackage.json", "//", "/api", "/api/", "/api/curricula/", "/" + "a".repeat(8000)),
);

// ---------------------------------------------------------------------------------------------------------------
// Headers

export const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"];
const CONTENT_TYPES = [
  ...JSON_TYPES,
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/json; charset=nonsense",
  "application/json; charset=",
  "application/json; boundary=x; charset=utf-8; x=\"",
  "application/vnd.api+json",
  "application/merge-patch+json",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=iso-8859-1",
  "application/x-www-form-urlencoded; charset=utf-16",
  "application/x-www-form-urlencoded; charset=bogus",
  "multipart/form-data; boundary=----x",
  "multipart/form-data",
  "text/plain",
  "text/html",
  "application/xml",
  "application/octet-stream",
  "*/*",
  "",
  ";;;",
  "json",
  "application/",
  "/",
  "application/json\u00ff",
];

const ACCEPTS = ["text/html", "application/json", "*/*", "", "text/html;q=0, application/json;q=0", "image/png", "text/*", "application/pdf", "text/html, application/json;q=0.9", "garbage;;;q=x", ",,,", "text/html;q=abc"];

const COOKIES = [
  "csrf_token=$CSRF",
  "csrf_token=%E0%A4%A",
  "csrf_token=%",
  "csrf_token=%ZZ",
  "csrf_token=%C0%AF",
  "csrf_token=",
  "csrf_token",
  "=",
  ";;;",
  "csrf_token=$CSRF; csrf_token=%E0%A4%A",
  "csrf_token=%E0%A4%A; csrf_token=$CSRF",
  "csrf_token=\"$CSRF\"",
  "csrf_token=$CSRF%",
  "other=%ZZ; csrf_token=$CSRF",
  "csrf_token=" + "f".repeat(64),
  "csrf_token=" + "F".repeat(64),
  "csrf_token=" + "a".repeat(5000),
  "__proto__=x; constructor=y",
  "csrf_token=\u00e9\u00ff",
];

const headerText = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((b) => String.fromCharCode(b)), maxLength: 60 });

/** Cookie headers: the valid token, malformed percent-encoding, repeats, junk. */
export const cookieHeader = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...COOKIES) }, { weight: 1, arbitrary: headerText });

/** A body's Content-Encoding and what was done to the bytes. */
export const bodyEncoding: fc.Arbitrary<BodyEncoding> = fc.record({
  header: fc.constantFrom("gzip", "deflate", "br", "identity", "GZIP", "x-gzip", "gzip, deflate", "compress", "zstd", "garbage", "", "gzip;q=1"),
  damage: fc.constantFrom("none", "corrupt", "truncate", "plain", "bomb"),
});

/** Request headers a browser, a script or an attacker might send; never anything cross-site. */
export const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.constantFrom("Accept", "accept").chain((name) => fc.constantFrom(...ACCEPTS).map((v): [string, string] => [name, v])),
    fc.constantFrom(...CONTENT_TYPES).map((v): [string, string] => ["Content-Type", v]),
    cookieHeader.map((v): [string, string] => ["Cookie", v]),
    fc.constantFrom("none", "same-origin").map((v): [string, string] => ["Sec-Fetch-Site", v]),
    fc.constant<[string, string]>(["Origin", "$ORIGIN"]),
    fc.constantFrom("gzip", "br", "*", "identity;q=0", "").map((v): [string, string] => ["Accept-Encoding", v]),
    fc.constantFrom("bytes=0-10", "bytes=-1", "bytes=999999999-", "chars=1-2").map((v): [string, string] => ["Range", v]),
    fc.constantFrom("*", '"x"', "W/\"1\"").map((v): [string, string] => ["If-None-Match", v]),
    fc.constantFrom("Thu, 01 Jan 1970 00:00:00 GMT", "garbage", "Fri, 31 Dec 9999 23:59:59 GMT").map((v): [string, string] => ["If-Modified-Since", v]),
    fc.constantFrom("PUT", "DELETE", "GET").map((v): [string, string] => ["X-HTTP-Method-Override", v]),
    fc.constantFrom("1.2.3.4", "garbage, ::1", "").map((v): [string, string] => ["X-Forwarded-For", v]),
    fc.constantFrom("https", "garbage").map((v): [string, string] => ["X-Forwarded-Proto", v]),
    fc.constantFrom("de-DE,de;q=0.9", "*", "zz").map((v): [string, string] => ["Accept-Language", v]),
    fc
      .tuple(fc.constantFrom("Host", "X-Forwarded-Host"), fc.oneof(fc.constantFrom("elsewhere.example", "", "[::1]", "[::1", "localhost:99999", "127.0.0.1:0", "%ZZ", "a b", "a".repeat(300), "xn--nxasmq6b", "127.0.0.1, evil.example", "user@evil.example"), headerText))
      .map(([k, v]): [string, string] => [k, v]),
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerText).map(([k, v]): [string, string] => [k, v]),
  ),
  { maxLength: 5 },
);

/** Headers that make a request cross-site (what a browser sends from another site's page or form). */
export const crossSiteHeaders: fc.Arbitrary<[string, string][]> = fc.constantFrom<[string, string][]>(
  [["Sec-Fetch-Site", "cross-site"]],
  [["Origin", "http://elsewhere.example"]],
  [["Origin", "http://elsewhere.example"], ["Sec-Fetch-Site", "cross-site"]],
  [["Sec-Fetch-Site", "cross-site"], ["Origin", "$ORIGIN"]],
  [["Origin", "http://elsewhere.example"], ["Sec-Fetch-Site", "same-origin"]],
  [["Origin", "http://elsewhere.example"], ["Referer", "http://elsewhere.example/attack.html"]],
  [["Sec-Fetch-Site", "cross-site"], ["Sec-Fetch-Mode", "navigate"], ["Sec-Fetch-Dest", "document"]],
  [["Origin", "http://elsewhere.example:80"]],
  [["Origin", "https://elsewhere.example"], ["Sec-Fetch-Site", "cross-site"]],
  [["Origin", "HTTP://ELSEWHERE.EXAMPLE"]],
  [["Origin", "null"]],
  [["Origin", "$ORIGIN"], ["Origin", "http://elsewhere.example"]],
  [["Origin", "http://elsewhere.example"], ["Origin", "$ORIGIN"]],
  [["Origin", "http://127.0.0.1.elsewhere.example"]],
);

// ---------------------------------------------------------------------------------------------------------------
// Whole requests

function bodyFor(shape: BodyShape, c: FuzzCatalog, spec: Record<string, unknown>): fc.Arbitrary<FuzzBody | undefined> {
  switch (shape) {
    case "spec":
      return specBody(c, spec);
    case "edit":
      return editBody(c);
    case "certificates":
      return certificatesBody();
    case "course-form":
      return courseForm(c);
    case "edit-form":
      return editForm(c);
    case "certificates-form":
      return certificatesForm();
    case "csrf-form":
      return csrfForm();
    default:
      return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(anyJson.map((value): FuzzBody => ({ kind: "json", value })), csrfForm()) });
  }
}

/** The body the route expects, well formed (a valid spec, edit, form): what a state-changing request that should succeed carries. */
export function validBodyFor(shape: BodyShape, spec: Record<string, unknown>): FuzzBody | undefined {
  switch (shape) {
    case "spec":
      return { kind: "json", value: spec };
    case "edit":
      return { kind: "json", value: { version: "$VERSION", title: "Renamed by a cross-site page", edits: [] } };
    case "certificates":
      return { kind: "json", value: { participants: ["Ana García"] } };
    case "course-form":
      return { kind: "form", fields: COURSE_FORM };
    case "edit-form":
      return { kind: "form", fields: [["_csrf", "$CSRF"], ["version", "$VERSION"], ["title", "Renamed by a cross-site form"], ["action", "save"]] };
    case "certificates-form":
      return { kind: "form", fields: [["_csrf", "$CSRF"], ["names", "Ana García"]] };
    case "csrf-form":
      return { kind: "form", fields: [["_csrf", "$CSRF"]] };
    default:
      return undefined;
  }
}

export const isForm = (body: FuzzBody | undefined) => body?.kind === "form" || ((body?.kind === "text" || body?.kind === "bytes") && body.as === "form");

/** The headers a well-behaved client sends with this body. */
export function plainHeaders(body: FuzzBody | undefined, accept?: string): [string, string][] {
  const headers: [string, string][] = [];
  if (accept !== undefined) headers.push(["Accept", accept]);
  if (body === undefined) return headers;
  if (!isForm(body)) headers.push(["Content-Type", "application/json"]);
  else headers.push(["Content-Type", "application/x-www-form-urlencoded"], ["Cookie", "csrf_token=$CSRF"]);
  return headers;
}

const acceptFor = (r: RouteSpec) => (r.path.startsWith("/api/") ? fc.constantFrom(undefined, "application/json", "*/*") : fc.constantFrom(undefined, "text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json"));

const labelOf = (r: RouteSpec) => `${r.method} ${r.path}`;

function withBody(routes: readonly RouteSpec[], shapes: readonly BodyShape[]) {
  return routes.filter((r) => shapes.includes(r.body));
}

/** Random JSON bodies (near-valid specs, edits, certificate requests, junk) to the JSON routes that take one. */
export function jsonBodyRequests(c: FuzzCatalog, spec: Record<string, unknown>): fc.Arbitrary<FuzzRequest> {
  const routes = withBody(ROUTES, ["spec", "edit", "certificates"]);
  const pick = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...routes.filter((r) => r.body === "spec")) }, { weight: 2, arbitrary: fc.constantFrom(...routes.filter((r) => r.body !== "spec")) });
  return pick.chain((r) =>
    fc.tuple(routePath(r, c, false), bodyFor(r.body, c, spec), fc.constantFrom(...JSON_TYPES), acceptFor(r)).map(([path, body, type, accept]): FuzzRequest => {
      const headers = plainHeaders(body, accept).map(([k, v]): [string, string] => (k === "Content-Type" ? [k, type] : [k, v]));
      return { label: labelOf(r), method: r.method, path, headers, body };
    }),
  );
}

/** Random urlencoded forms to every form route, mostly with a valid CSRF cookie and field. */
export function formRequests(c: FuzzCatalog, spec: Record<string, unknown>): fc.Arbitrary<FuzzRequest> {
  const routes = withBody(ROUTES, ["course-form", "edit-form", "certificates-form", "csrf-form"]);
  return fc.constantFrom(...routes).chain((r) =>
    fc.tuple(routePath(r, c, false), bodyFor(r.body, c, spec), acceptFor(r), fc.oneof({ weight: 6, arbitrary: fc.constant("csrf_token=$CSRF") }, { weight: 1, arbitrary: cookieHeader })).map(([path, body, accept, cookie]): FuzzRequest => {
      const headers: [string, string][] = [["Content-Type", "application/x-www-form-urlencoded"], ["Cookie", cookie]];
      if (accept) headers.push(["Accept", accept]);
      return { label: labelOf(r), method: r.method, path, headers, body };
    }),
  );
}

/** Every route with its usual body and odd headers: content types, encodings (corrupt, truncated, bombs), Accept, cookies. */
export function headerRequests(c: FuzzCatalog, spec: Record<string, unknown>): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...ROUTES).chain((r) =>
    fc
      .tuple(
        routePath(r, c, false),
        queryString(c, r.query),
        fc.oneof({ weight: 2, arbitrary: fc.constant(validBodyFor(r.body, spec)) }, { weight: 1, arbitrary: bodyFor(r.body, c, spec) }),
        extraHeaders,
        fc.option(bodyEncoding, { freq: 2 }),
        fc.boolean(),
      )
      .map(([path, query, body, extra, encoding, chunked]): FuzzRequest => {
        const base = plainHeaders(body);
        const names = new Set(extra.map(([k]) => k.toLowerCase()));
        const headers = [...base.filter(([k]) => !names.has(k.toLowerCase())), ...extra];
        const req: FuzzRequest = { label: labelOf(r), method: r.method, path: path + query, headers, body, chunked };
        if (encoding) req.encoding = encoding;
        return req;
      }),
  );
}

const METHODS = ["GET", "GET", "GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "M-SEARCH"];

/** Odd paths: malformed percent-encoding, dot segments, very long and unicode segments, random paths; any method. */
export function pathRequests(c: FuzzCatalog): fc.Arbitrary<FuzzRequest> {
  const path = fc.oneof({ weight: 3, arbitrary: mangledPath(c).map((p) => ({ p, label: "mangled route path" })) }, { weight: 1, arbitrary: randomPath.map((p) => ({ p, label: "random path" })) });
  return fc.tuple(path, fc.constantFrom(...METHODS), fc.option(fc.oneof(anyJson.map((value): FuzzBody => ({ kind: "json", value })), csrfForm()), { freq: 3 }), fc.constantFrom(undefined, "text/html", "application/json")).map(([{ p, label }, method, body, accept]): FuzzRequest => {
    const withBody = method === "GET" || method === "HEAD" ? undefined : (body ?? undefined);
    return { label, method, path: p, headers: plainHeaders(withBody, accept), body: withBody };
  });
}

/**
 * State-changing requests (POST, PUT, PATCH, DELETE) that would otherwise succeed, to every route and a few
 * non-routes, marked cross-site by Sec-Fetch-Site or Origin.
 */
export function crossSiteRequests(c: FuzzCatalog, spec: Record<string, unknown>): fc.Arbitrary<FuzzRequest> {
  const target = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ROUTES.filter((r) => STATE_CHANGING.has(r.method))).map((r) => ({ r, method: r.method })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), fc.constantFrom("POST", "PUT", "PATCH", "DELETE")).map(([r, method]) => ({ r, method })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("/nowhere", "/api/nowhere", "/api/curricula/$ID/nowhere"), fc.constantFrom("POST", "PUT", "PATCH", "DELETE")).map(([path, method]) => ({ r: route(method, path), method })) },
  );
  return target.chain(({ r, method }) =>
    fc.tuple(routePath(r, c, false), fc.oneof({ weight: 3, arbitrary: fc.constant(validBodyFor(r.body, spec)) }, { weight: 1, arbitrary: bodyFor(r.body, c, spec) }), crossSiteHeaders, acceptFor(r)).map(([path, body, cross, accept]): FuzzRequest => {
      const headers = [...plainHeaders(body, accept), ...cross];
      return { label: `${method} ${r.path} (cross-site)`, method, path: path.replace(":id", "$ID"), headers, body };
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Valid-shaped specs and edits

/** A title the title rule accepts (passed in: the domain's rule is the definition), in any script. */
export function validTitle(isValidTitle: (title: string) => boolean): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 200 }),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
      fc.constantFrom("Peer supporters", "Ärztinnen & Pflegekräfte: Kollegiale Unterstützung", "同伴支持培训", "دورة الدعم", "👩🏽‍⚕️ peer support", "  padded title  ", "T".repeat(200)),
    )
    .filter(isValidTitle);
}

/** A course spec that passes the schema (it may still be unplannable: too few hours for the levels gives 422). */
export function validSpec(c: FuzzCatalog, isValidTitle: (title: string) => boolean): fc.Arbitrary<Record<string, unknown>> {
  const title = validTitle(isValidTitle);
  const date = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  return fc
    .record({
      title,
      sector: fc.constantFrom(...c.sectors),
      tiers: fc.subarray([...c.tiers]),
      totalHours: fc.integer({ min: 8, max: 160 }).map((h) => h / 2),
      practicalShare: fc.oneof(fc.integer({ min: 40, max: 80 }).map((p) => p / 100), fc.double({ min: 0.4, max: 0.8, noNaN: true })),
      startDate: date,
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
      maxHoursPerDay: fc.integer({ min: 4, max: 16 }).map((h) => h / 2),
      startMinute: fc.nat({ max: 24 * 60 - 1 }),
      timezone: fc.constantFrom("UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe", "Etc/GMT+12", "Pacific/Kiritimati", "America/St_Johns"),
      groupSize: fc.integer({ min: 4, max: 30 }),
      focusDomains: fc.subarray([...c.domains]),
    }, { requiredKeys: ["title", "sector", "totalHours", "startDate", "startMinute"] })
    .map(({ startMinute, ...spec }) => {
      // The day must end before midnight with breaks (at most half the contact time): pick a start that allows it.
      const latest = 24 * 60 - (spec.maxHoursPerDay ?? 6) * 90;
      const minute = Math.floor((startMinute % (latest + 1)) / 5) * 5;
      const dayStart = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
      return startMinute % 3 === 0 ? spec : { ...spec, dayStart };
    });
}

/** A list of schema-valid edits against `$SESSION:n` of the curriculum (the planner may still refuse them: 422). */
export function validEdits(c: FuzzCatalog): fc.Arbitrary<unknown[]> {
  return fc.array(editArb(c, false), { maxLength: 4 });
}

/** Adds a compact description for fast-check's counterexample report (long bodies are cut). */
export function describeRequest(req: FuzzRequest): string {
  const cut = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  let body = "";
  if (req.body?.kind === "json") body = cut(JSON.stringify(req.body.value) ?? "undefined");
  else if (req.body?.kind === "text") body = cut(JSON.stringify(req.body.text));
  else if (req.body?.kind === "bytes") body = cut(JSON.stringify(req.body.latin1));
  else if (req.body?.kind === "form") body = cut(req.body.fields.map(([k, v]) => `${k}=${v}`).join("&"));
  const headers = req.headers.map(([k, v]) => `${k}: ${cut(v, 120)}`).join(" | ");
  const enc = req.encoding ? ` [Content-Encoding ${JSON.stringify(req.encoding.header)}, ${req.encoding.damage}]` : "";
  return `${req.method} ${cut(req.path, 300)}  {${headers}}${enc}${req.chunked ? " [chunked]" : ""}${body ? `  body(${req.body!.kind}): ${body}` : ""}  ‹${req.label}›`;
}

/** Attaches describeRequest as the value's fast-check toString. */
export function described(arb: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest> {
  return arb.map((req) => Object.defineProperty({ ...req }, fc.toStringMethod, { value: () => describeRequest(req), enumerable: false }));
}
