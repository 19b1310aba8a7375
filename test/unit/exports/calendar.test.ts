import { beforeAll, describe, expect, test } from "@jest/globals";
import { TZDate } from "@date-fns/tz";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { courseSpecSchemaFor, type Curriculum } from "../../../src/domain/index.js";
import { calendarExport, calendarExports, escapeText, foldLine, vtimezone } from "../../../src/exports/calendar.js";
import type { ExportContext } from "../../../src/exports/export-format.js";
import { plan } from "../../../src/planner/index.js";
import { ROOT } from "../../support/built.js";
import { realCatalog } from "../../support/catalog.js";

/**
 * The calendar export, read back by a real iCalendar parser: Debian's python3-icalendar under the system Python
 * (the python3 on PATH may be another interpreter without it).
 */
const PYTHON = "/usr/bin/python3";
const parserAvailable = spawnSync(PYTHON, ["-c", "import icalendar"], { encoding: "utf8" }).status === 0;
const PARSER_MISSING = `${PYTHON} cannot import icalendar (apt-get install python3-icalendar)`;

/**
 * Prints the calendar as JSON. Each event's start and end are given twice: as the parser reads them (through the
 * IANA zone its pytz knows by the TZID) and through the file's own VTIMEZONE (icalendar's `Timezone.to_tz`). Each
 * VTIMEZONE is also compared hour by hour with pytz's zone over the years given as arguments.
 */
const PARSE_SCRIPT = String.raw`
import sys, json
from datetime import datetime, timedelta
import pytz
from icalendar import Calendar

def ical(value):
    text = value.to_ical()
    return text.decode() if isinstance(text, bytes) else text

cal = Calendar.from_ical(sys.stdin.buffer.read())
zones = {}
timezones = []
for vtz in cal.walk("VTIMEZONE"):
    tzid = str(vtz["TZID"])
    zones[tzid] = vtz.to_tz()
    components = [{"kind": c.name, "start": c["DTSTART"].dt.isoformat(), "from": ical(c["TZOFFSETFROM"]), "to": ical(c["TZOFFSETTO"])} for c in vtz.walk() if c.name in ("STANDARD", "DAYLIGHT")]
    mismatches = []
    reference = pytz.timezone(tzid)
    t = pytz.utc.localize(datetime(int(sys.argv[1]), 1, 1))
    end = pytz.utc.localize(datetime(int(sys.argv[2]) + 1, 1, 1))
    while t < end:
        ours = t.astimezone(zones[tzid]).utcoffset()
        theirs = t.astimezone(reference).utcoffset()
        if ours != theirs:
            mismatches.append([t.isoformat(), str(ours), str(theirs)])
        t += timedelta(hours=1)
    timezones.append({"tzid": tzid, "components": components, "mismatches": mismatches[:5]})

def when(prop):
    dt = prop.dt
    tzid = prop.params.get("TZID")
    via = zones[tzid].localize(dt.replace(tzinfo=None)).isoformat() if tzid in zones else None
    return {"parsed": dt.isoformat(), "viaVtimezone": via, "tzid": tzid}

events = []
for ev in cal.walk("VEVENT"):
    cats = ev.get("CATEGORIES")
    events.append({
        "uid": str(ev["UID"]),
        "sequence": int(ev["SEQUENCE"]),
        "dtstamp": ev["DTSTAMP"].dt.isoformat(),
        "start": when(ev["DTSTART"]),
        "end": when(ev["DTEND"]),
        "summary": str(ev["SUMMARY"]),
        "description": str(ev["DESCRIPTION"]),
        "categories": ical(cats) if cats is not None else None,
    })
print(json.dumps({
    "calendar": {k: str(cal[k]) for k in ("PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-CALNAME", "X-WR-TIMEZONE")},
    "timezones": timezones,
    "events": events,
}))
`;

interface ParsedTime {
  parsed: string;
  viaVtimezone: string | null;
  tzid: string;
}
interface ParsedEvent {
  uid: string;
  sequence: number;
  dtstamp: string;
  start: ParsedTime;
  end: ParsedTime;
  summary: string;
  description: string;
  categories: string | null;
}
interface Parsed {
  calendar: Record<string, string>;
  timezones: { tzid: string; components: { kind: string; start: string; from: string; to: string }[]; mismatches: string[][] }[];
  events: ParsedEvent[];
}

function parse(ics: string, years: readonly [number, number] = [2027, 2027]): Parsed {
  const run = spawnSync(PYTHON, ["-c", PARSE_SCRIPT, String(years[0]), String(years[1])], { input: ics, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`icalendar could not read the file: ${run.stderr}`);
  return JSON.parse(run.stdout) as Parsed;
}

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const NOW = new Date("2026-11-26T10:00:00Z");

/** A checked-in example spec with some fields changed, planned for real. */
function planned(example: string, changes: Record<string, unknown>, id = "calendar-test"): Curriculum {
  const raw = JSON.parse(readFileSync(join(ROOT, "curricula", "examples", example), "utf8"));
  const spec = courseSpecSchemaFor(catalog.ids).parse({ ...raw, ...changes });
  return plan(spec, catalog, { id, now: NOW });
}

/** The three courses: London over the late-March change (a session day on the Sunday itself), New York over the
 * November change, and a one-day course in UTC. */
const courses = {
  london: () => planned("healthcare-12h.json", { timezone: "Europe/London", startDate: "2027-03-26", days: ["fri", "sun", "tue"] }, "london-course"),
  newYork: () => planned("police-16h.json", { timezone: "America/New_York", startDate: "2027-11-04", days: ["thu", "fri", "sun", "mon"], maxHoursPerDay: 4 }, "new-york-course"),
  utc: () => planned("postal-8h.json", { timezone: "UTC" }, "utc-course"),
};

async function ics(c: Curriculum, options: Record<string, unknown> = {}): Promise<string> {
  const context: ExportContext = {
    catalog,
    documents: undefined as any,
    pdf: async () => {
      throw new Error("no PDFs in a calendar");
    },
    curriculum: c,
    options: calendarExport.options!.parse(options),
  };
  return (await calendarExport.build(context)).toString("utf8");
}

/** A course's local date and HH:mm as an instant, in the course's zone. */
function instant(zone: string, date: string, time: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm] = time.split(":").map(Number) as [number, number];
  return new TZDate(y, m - 1, d, hh, mm, 0, zone).getTime();
}

/** The raw file's lines split at CRLF, each decoded strictly (a split multi-byte character would throw). */
function rawLines(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  const lines: string[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let from = 0;
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
      const line = bytes.subarray(from, i);
      expect(line.length).toBeLessThanOrEqual(75);
      lines.push(decoder.decode(line));
      from = i + 2;
    }
  }
  expect(from).toBe(bytes.length);
  return lines;
}

describe("the calendar export's contract", () => {
  test("when listed, then it is the participant-facing .ics of a curriculum with events=sessions by default", () => {
    expect(calendarExports).toEqual([calendarExport]);
    expect(calendarExport).toMatchObject({ id: "calendar", scope: "curriculum", audience: "participant", contentType: "text/calendar; charset=utf-8", extension: "ics" });
    expect(calendarExport.options!.parse({})).toEqual({ events: "sessions" });
    expect(calendarExport.options!.parse({ events: "blocks" })).toEqual({ events: "blocks" });
    expect(calendarExport.options!.safeParse({ events: "days" }).success).toBe(false);
  });
});

describe("content lines", () => {
  test("when text holds backslashes, semicolons, commas and line breaks, then they are escaped and controls dropped", () => {
    expect(escapeText("a\\b;c,d\r\ne\nf\rg")).toBe("a\\\\b\\;c\\,d\\ne\\nf\\ng");
    expect(escapeText("tab\tkept, bell\u0007 dropped")).toBe("tab\tkept\\, bell dropped");
  });

  test("when a line is long, then it is folded at 75 octets without splitting a multi-byte character", () => {
    const line = `SUMMARY:${"é€😀a".repeat(40)}`;
    const folded = foldLine(line);
    const parts = folded.split("\r\n");
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, part] of parts.entries()) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
      if (i > 0) expect(part.startsWith(" ")).toBe(true);
      // Each piece is whole characters: re-encoding it gives exactly its bytes.
      expect(Buffer.from(part, "utf8").toString("utf8")).toBe(part);
      expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
    }
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(line);
    expect(foldLine("SHORT:line")).toBe("SHORT:line");
  });

  test("when a course in London is exported, then every line ends in CRLF, is at most 75 octets and decodes alone", async () => {
    const c = courses.london();
    c.sessions[0]!.title = `${"Ünïcödé — façade, naïve; ".repeat(7)}😀 end`;
    for (const events of ["sessions", "blocks"]) {
      const text = await ics(c, { events });
      expect(text.endsWith("\r\n")).toBe(true);
      expect(text.replaceAll("\r\n", "")).not.toMatch(/[\r\n]/);
      const lines = rawLines(text);
      expect(lines[0]).toBe("BEGIN:VCALENDAR");
      expect(lines.at(-1)).toBe("END:VCALENDAR");
    }
  });
});

describe("the VTIMEZONE", () => {
  const components = (zone: string, year: number) => {
    const text = vtimezone(zone, year, year).join("\n");
    return [...text.matchAll(/BEGIN:(STANDARD|DAYLIGHT)\nDTSTART:(\w+)\nTZOFFSETFROM:([+-]\d+)\nTZOFFSETTO:([+-]\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}>${m[4]}`);
  };

  test("when the zone changes offset, then each change is a component at its local time before the change", () => {
    expect(components("Europe/London", 2027)).toEqual(["STANDARD 20261231T000000 +0000>+0000", "DAYLIGHT 20270328T010000 +0000>+0100", "STANDARD 20271031T020000 +0100>+0000"]);
    expect(components("America/New_York", 2027)).toEqual(["STANDARD 20261230T190000 -0500>-0500", "DAYLIGHT 20270314T020000 -0500>-0400", "STANDARD 20271107T020000 -0400>-0500"]);
    // Southern hemisphere and half-hour offsets: the changes are found to the minute (02:00 and 03:00 local).
    expect(components("Australia/Adelaide", 2027)).toEqual(["DAYLIGHT 20261231T103000 +1030>+1030", "STANDARD 20270404T030000 +1030>+0930", "DAYLIGHT 20271003T020000 +0930>+1030"]);
    expect(components("America/St_Johns", 2027)).toEqual(["STANDARD 20261230T203000 -0330>-0330", "DAYLIGHT 20270314T020000 -0330>-0230", "STANDARD 20271107T020000 -0230>-0330"]);
  });

  test("when the zone has abbreviations, then each component names its own", () => {
    const names = (zone: string) => [...vtimezone(zone, 2027, 2027).join("\n").matchAll(/TZNAME:(.+)/g)].map((m) => m[1]);
    expect(names("Europe/London")).toEqual(["GMT", "BST", "GMT"]);
    expect(names("America/New_York")).toEqual(["EST", "EDT", "EST"]);
  });

  test("when the zone keeps one offset, then it has a single STANDARD component", () => {
    expect(components("UTC", 2027)).toEqual(["STANDARD 19700101T000000 +0000>+0000"]);
    expect(components("Asia/Tokyo", 2027)).toEqual(["STANDARD 19700101T000000 +0900>+0900"]);
    expect(components("Asia/Kolkata", 2027)).toEqual(["STANDARD 19700101T000000 +0530>+0530"]);
  });

  test("when a course spans two years, then both years' changes are listed", () => {
    expect(components("Europe/Berlin", 2027).length).toBe(3);
    const text = vtimezone("Europe/Berlin", 2027, 2028).join("\n");
    expect(text).toContain("DTSTART:20280326T020000");
    expect(text).toContain("DTSTART:20281029T030000");
  });
});

if (!parserAvailable && process.env.CI) {
  test("the iCalendar parser is installed (required in CI)", () => {
    throw new Error(`${PARSER_MISSING}: the calendar tests cannot read the export back.`);
  });
}

const describeParsed = parserAvailable ? describe : describe.skip;

describeParsed(parserAvailable ? "read back with python3-icalendar" : `read back with python3-icalendar (skipped: ${PARSER_MISSING})`, () => {
  test.each(Object.keys(courses) as (keyof typeof courses)[])("when the %s course is exported by session, then every event starts and ends as its session", async (name) => {
    const c = courses[name]();
    const zone = c.spec.timezone;
    const years = [Number(c.days[0]!.date.slice(0, 4)), Number(c.days.at(-1)!.date.slice(0, 4))] as const;
    const parsed = parse(await ics(c), years);

    expect(parsed.calendar).toEqual({
      PRODID: expect.stringContaining("Peer Support Curriculum Builder"),
      VERSION: "2.0",
      CALSCALE: "GREGORIAN",
      METHOD: "PUBLISH",
      "X-WR-CALNAME": c.title,
      "X-WR-TIMEZONE": zone,
    });
    expect(parsed.timezones.map((t) => t.tzid)).toEqual([zone]);
    // The file's own VTIMEZONE agrees with the parser's zone database at every hour of the course's years.
    expect(parsed.timezones[0]!.mismatches).toEqual([]);
    if (zone === "UTC") expect(parsed.timezones[0]!.components.map((x) => x.kind)).toEqual(["STANDARD"]);
    else expect(new Set(parsed.timezones[0]!.components.map((x) => x.kind))).toEqual(new Set(["STANDARD", "DAYLIGHT"]));

    expect(parsed.events).toHaveLength(c.sessions.length);
    parsed.events.forEach((event, i) => {
      const s = c.sessions[i]!;
      expect(event.uid).toBe(`${c.id}-${s.id}@peer-support-curriculum-builder`);
      expect(event.sequence).toBe(c.version - 1);
      expect(Date.parse(event.dtstamp)).toBe(Date.parse(c.updatedAt));
      expect(event.summary).toBe(s.title);
      expect(event.description).toContain(s.practical ? "(practical)" : "(input)");
      for (const objective of s.objectives) expect(event.description).toContain(`- ${objective}`);
      expect(event.categories).toBe(s.practical ? "Practical" : "Input");
      for (const [time, clock] of [
        [event.start, s.start],
        [event.end, s.end],
      ] as const) {
        expect(time.tzid).toBe(zone);
        expect(Date.parse(time.parsed)).toBe(instant(zone, s.date, clock));
        expect(Date.parse(time.viaVtimezone!)).toBe(instant(zone, s.date, clock));
      }
    });
  });

  test("when the London course crosses the late-March change, then sessions before are GMT and after are BST", async () => {
    const c = courses.london();
    const parsed = parse(await ics(c));
    const offsets = new Set(parsed.events.map((e) => `${e.start.parsed.slice(0, 10)} ${e.start.parsed.slice(-6)}`));
    expect(c.days.map((d) => d.date)).toEqual(["2027-03-26", "2027-03-28", "2027-03-30"]);
    expect(offsets).toEqual(new Set(["2027-03-26 +00:00", "2027-03-28 +01:00", "2027-03-30 +01:00"]));
  });

  test("when the New York course crosses the November change, then sessions before are EDT and after EST", async () => {
    const c = courses.newYork();
    const parsed = parse(await ics(c));
    for (const e of parsed.events) expect(e.start.parsed.slice(-6)).toBe(e.start.parsed.slice(0, 10) < "2027-11-07" ? "-04:00" : "-05:00");
    expect(parsed.events.some((e) => e.start.parsed.startsWith("2027-11-07"))).toBe(true);
  });

  test("when a course is exported twice or re-planned, then the UIDs are the same; a new version keeps them with a higher SEQUENCE", async () => {
    const c = courses.london();
    const first = await ics(c);
    expect(await ics(c)).toBe(first);
    expect(await ics(courses.london())).toBe(first);

    const revised: Curriculum = structuredClone(c);
    revised.version = c.version + 2;
    revised.updatedAt = "2027-01-15T08:30:00.000Z";
    revised.sessions[1]!.title = "Renamed in the revision";
    const before = parse(first).events;
    const after = parse(await ics(revised)).events;
    expect(after.map((e) => e.uid)).toEqual(before.map((e) => e.uid));
    expect(new Set(after.map((e) => e.uid)).size).toBe(after.length);
    for (const [i, e] of after.entries()) {
      expect(e.sequence).toBe(before[i]!.sequence + 2);
      expect(e.dtstamp).toBe("2027-01-15T08:30:00+00:00");
    }
    expect(after[1]!.summary).toBe("Renamed in the revision");

    for (const events of ["blocks"]) {
      const blocksBefore = parse(await ics(c, { events })).events;
      const blocksAfter = parse(await ics(revised, { events })).events;
      expect(blocksAfter.map((e) => e.uid)).toEqual(blocksBefore.map((e) => e.uid));
      expect(blocksAfter.every((e, i) => e.sequence === blocksBefore[i]!.sequence + 2)).toBe(true);
    }
  });

  test.each(Object.keys(courses) as (keyof typeof courses)[])("when the %s course is exported by block, then no event spans a break and every session sits in one block", async (name) => {
    const c = courses[name]();
    const zone = c.spec.timezone;
    const events = parse(await ics(c, { events: "blocks" })).events;
    const breaks = c.days.flatMap((d) => d.breaks.map((b) => [instant(zone, d.date, b.start), instant(zone, d.date, b.end)] as const));
    expect(breaks.length).toBeGreaterThan(0);
    const spans = events.map((e) => [Date.parse(e.start.parsed), Date.parse(e.end.parsed)] as const);
    for (const [i, [start, end]] of spans.entries()) {
      expect(end).toBeGreaterThan(start);
      expect(Date.parse(events[i]!.start.viaVtimezone!)).toBe(start);
      for (const [bStart, bEnd] of breaks) expect(start < bEnd && bStart < end).toBe(false);
      expect(events[i]!.uid).toMatch(new RegExp(`^${c.id}-day-\\d+-block-\\d+@peer-support-curriculum-builder$`));
    }
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    for (const s of c.sessions) {
      const [start, end] = [instant(zone, s.date, s.start), instant(zone, s.date, s.end)];
      const holders = spans.filter(([a, b]) => a <= start && end <= b);
      expect(holders).toHaveLength(1);
      const holder = events[spans.indexOf(holders[0]!)]!;
      expect(holder.description).toContain(`${s.start}-${s.end} ${s.title}`);
    }
    // Fewer events than sessions: blocks group them.
    expect(events.length).toBeLessThan(c.sessions.length);
    expect(events.length).toBeGreaterThanOrEqual(c.days.length);
  });

  test("when titles hold commas, semicolons, backslashes and long text, then they round-trip through the parser", async () => {
    const c = courses.utc();
    c.title = "Depot course, part 1; \\ revised";
    c.sessions[0]!.title = "Listening, pausing; and \\ reflecting, again";
    c.sessions[1]!.title = `${"A long, plain title without line breaks that goes on ".repeat(3)}and ends here`;
    c.sessions[2]!.title = `Ünïcödé — ${"ß€😀".repeat(30)} done`;
    c.sessions[3]!.objectives = ["First; with a semicolon", "Second, with a comma\nand a line break"];
    const text = await ics(c);
    expect(text).toContain("Listening\\, pausing\\; and \\\\ reflecting\\, again");
    rawLines(text);
    const parsed = parse(text);
    expect(parsed.calendar["X-WR-CALNAME"]).toBe(c.title);
    expect(parsed.events.slice(0, 3).map((e) => e.summary)).toEqual(c.sessions.slice(0, 3).map((s) => s.title));
    expect(c.sessions[1]!.title.length).toBeGreaterThan(150);
    expect(parsed.events[3]!.description).toContain("- First; with a semicolon\n- Second, with a comma\nand a line break");
  });
});
