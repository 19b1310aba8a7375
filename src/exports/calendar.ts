import { tzOffset } from "@date-fns/tz";
import { z } from "zod";
import { METHOD_LABELS, type CourseDay, type Curriculum, type ScheduledSession } from "../domain/index.js";
import type { ExportFormat } from "./export-format.js";

/**
 * The course as an iCalendar file (RFC 5545), written by hand: one event per session, or one per block of
 * sessions between the breaks of each day. Times are local to the course's time zone (`DTSTART;TZID=...`), and the
 * file carries a VTIMEZONE for that zone computed from the runtime's IANA data, so that a calendar which does not
 * know the zone (or knows an older rule) still places the sessions right.
 *
 * Importing a revised course updates the same events: each UID is derived from the curriculum id and the session
 * id (or the day and block number), and SEQUENCE grows with the curriculum's version.
 */

const UID_DOMAIN = "peer-support-curriculum-builder";
const PRODID = "-//Peer Support Curriculum Builder//Course calendar//EN";
const CRLF = "\r\n";
/** The longest content line, in octets, without its CRLF (RFC 5545 3.1). */
export const MAX_LINE_OCTETS = 75;

export const calendarOptionsSchema = z.object({ events: z.enum(["sessions", "blocks"]).default("sessions") });
export type CalendarOptions = z.infer<typeof calendarOptionsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Content lines

// eslint-disable-next-line no-control-regex -- removing control characters is the point: TEXT may not hold them
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped; other controls dropped. */
export function escapeText(value: string): string {
  return value
    .replace(/\r\n|\r|\n/g, "\n")
    .split("\n")
    .map((line) =>
      line
        .replace(FORBIDDEN_CONTROLS, "")
        .replaceAll("\\", "\\\\")
        .replaceAll(";", "\\;")
        .replaceAll(",", "\\,"),
    )
    .join("\\n");
}

/**
 * Folds a content line at 75 octets (RFC 5545 3.1): each continuation starts with a space, which counts toward its
 * 75. Whole code points only, so a multi-byte UTF-8 character is never split across lines.
 */
export function foldLine(line: string): string {
  let out = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, "utf8");
    if (octets + size > MAX_LINE_OCTETS) {
      out += CRLF + " ";
      octets = 1;
    }
    out += ch;
    octets += size;
  }
  return out;
}

/** YYYY-MM-DD and HH:mm as a local DATE-TIME: 20270328T093000. */
function localDateTime(date: string, time: string): string {
  return `${date.replaceAll("-", "")}T${time.replace(":", "")}00`;
}

/** An instant as a UTC DATE-TIME: 20261126T100000Z. */
function utcDateTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Wall-clock time of an instant at a UTC offset, as a local DATE-TIME. */
function wallClock(ms: number, offsetMinutes: number): string {
  return utcDateTime(new Date(ms + offsetMinutes * 60_000)).slice(0, -1);
}

/** A UTC offset as RFC 5545 writes it: +0100, -0500, +0530 (+0000 for UTC: -0000 is not allowed). */
function utcOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(Math.round(minutes * 60));
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${sign}${pad(h)}${pad(m)}${s ? pad(s) : ""}`;
}

// ---------------------------------------------------------------------------------------------------------------
// VTIMEZONE

export interface ZoneTransition {
  /** The instant the offset changes (ms since the epoch). */
  at: number;
  /** The UTC offsets before and after, in minutes. */
  from: number;
  to: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Scan step: shorter than any gap between two transitions of a real zone. */
const SCAN_STEP = 6 * HOUR;

const offsetAt = (zone: string, ms: number) => tzOffset(zone, new Date(ms));

/**
 * The instants in [start, end) at which the zone's UTC offset changes, to the minute: the zone is sampled every six
 * hours, and each change found is narrowed down by bisection (@date-fns/tz's `tzScan` stops at whole UTC hours,
 * which misplaces the changes of half-hour zones such as Australia/Adelaide or America/St_Johns).
 */
export function zoneTransitions(zone: string, start: number, end: number): ZoneTransition[] {
  const transitions: ZoneTransition[] = [];
  let t = Math.floor(start / MINUTE) * MINUTE;
  let offset = offsetAt(zone, t);
  while (t < end) {
    const next = Math.min(t + SCAN_STEP, end);
    if (offsetAt(zone, next) === offset) {
      t = next;
      continue;
    }
    // offset(lo) is the old offset, offset(hi) is not: bisect to the first minute with another offset.
    let lo = t;
    let hi = next;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(zone, mid) === offset) lo = mid;
      else hi = mid;
    }
    const to = offsetAt(zone, hi);
    transitions.push({ at: hi, from: offset, to });
    offset = to;
    t = hi;
  }
  return transitions;
}

/**
 * Whether the offset in force at `ms` is daylight-saving time: higher than the lowest offset the zone keeps within
 * six months either side (sampled monthly). Works for both hemispheres; a permanent move to a higher offset reads
 * as daylight time for its first half-year, which only changes the component's name, not the offsets.
 */
function isDaylight(zone: string, ms: number): boolean {
  const offset = offsetAt(zone, ms);
  let lowest = offset;
  for (let month = -6; month <= 6; month++) lowest = Math.min(lowest, offsetAt(zone, ms + month * 30.5 * DAY));
  return offset > lowest;
}

/** The zone's abbreviation at an instant (EST, BST, CEST), or Intl's "GMT+2" where no locale has one. */
function shortZoneName(zone: string, ms: number): string | undefined {
  const names: string[] = [];
  for (const locale of ["en-US", "en-GB"]) {
    try {
      names.push(new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" }).formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "");
    } catch {
      // An offset zone some runtimes cannot name.
    }
  }
  return names.find((n) => /^[A-Z]{2,5}$/.test(n)) ?? (names.find((n) => n.length > 0) || undefined);
}

/**
 * The VTIMEZONE for the course's zone over the course's years: a first component with the offset in force when the
 * first of those years begins (so that no event precedes every component), then one STANDARD or DAYLIGHT component
 * per change of offset in those years, each starting at the change's local time before the change (RFC 5545
 * 3.6.5). A zone without changes in those years (UTC, Asia/Tokyo) gets a single STANDARD.
 */
export function vtimezone(zone: string, firstYear: number, lastYear: number): string[] {
  // A day either side so that local midnight of 1 January is covered in every zone (UTC-12 to UTC+14).
  const start = Date.UTC(firstYear, 0, 1) - DAY;
  const end = Date.UTC(lastYear + 1, 0, 1) + DAY;
  const initial = offsetAt(zone, start);
  if (!Number.isFinite(initial)) throw new Error(`Unknown time zone: ${zone}`);
  const transitions = zoneTransitions(zone, start, end);
  const component = (at: number, from: number, to: number, dtstart: string, daylight: boolean) => {
    const kind = daylight ? "DAYLIGHT" : "STANDARD";
    const name = shortZoneName(zone, at);
    return [`BEGIN:${kind}`, `DTSTART:${dtstart}`, `TZOFFSETFROM:${utcOffset(from)}`, `TZOFFSETTO:${utcOffset(to)}`, ...(name ? [`TZNAME:${escapeText(name)}`] : []), `END:${kind}`];
  };
  const lines = [`BEGIN:VTIMEZONE`, `TZID:${escapeText(zone)}`];
  if (transitions.length === 0) {
    lines.push(...component(start, initial, initial, "19700101T000000", false));
  } else {
    lines.push(...component(start, initial, initial, wallClock(start, initial), isDaylight(zone, start)));
    for (const t of transitions) lines.push(...component(t.at, t.from, t.to, wallClock(t.at, t.from), isDaylight(zone, t.at)));
  }
  lines.push("END:VTIMEZONE");
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Events

interface CalendarEvent {
  uid: string;
  date: string;
  start: string;
  end: string;
  summary: string;
  description: string;
  categories: string[];
}

/** A block of a day: the time between the day's start, its breaks and its end, with the sessions it holds. */
export interface DayBlock {
  start: string;
  end: string;
  sessions: ScheduledSession[];
}

/** The blocks of a day between its breaks, those holding at least one session, in time order. */
export function dayBlocks(day: CourseDay, sessions: readonly ScheduledSession[]): DayBlock[] {
  const breaks = [...day.breaks].sort((a, b) => a.start.localeCompare(b.start));
  const edges: { start: string; end: string }[] = [];
  let from = day.start;
  for (const b of breaks) {
    edges.push({ start: from, end: b.start });
    from = b.end;
  }
  edges.push({ start: from, end: day.end });
  const ofDay = sessions.filter((s) => s.date === day.date).sort((a, b) => a.start.localeCompare(b.start));
  return edges
    .filter((e) => e.start < e.end)
    .map((e) => ({ ...e, sessions: ofDay.filter((s) => s.start >= e.start && s.start < e.end) }))
    .filter((b) => b.sessions.length > 0)
    .map((b) => ({
      // A session running past the block's planned edge (never expected) stretches it rather than being cut.
      start: b.sessions.reduce((min, s) => (s.start < min ? s.start : min), b.start),
      end: b.sessions.reduce((max, s) => (s.end > max ? s.end : max), b.end),
      sessions: b.sessions,
    }));
}

const uid = (c: Curriculum, local: string) => `${c.id}-${local}@${UID_DOMAIN}`;

function sessionDescription(s: ScheduledSession): string {
  const lines = [`Method: ${METHOD_LABELS[s.method]} (${s.practical ? "practical" : "input"})`];
  if (s.objectives.length > 0) lines.push("", "Objectives:", ...s.objectives.map((o) => `- ${o}`));
  return lines.join("\n");
}

function sessionEvents(c: Curriculum): CalendarEvent[] {
  return c.sessions.map((s) => ({
    uid: uid(c, s.id),
    date: s.date,
    start: s.start,
    end: s.end,
    summary: s.title,
    description: sessionDescription(s),
    categories: [s.practical ? "Practical" : "Input"],
  }));
}

function blockEvents(c: Curriculum): CalendarEvent[] {
  return c.days.flatMap((day, d) =>
    dayBlocks(day, c.sessions).map((block, k) => ({
      uid: uid(c, `day-${d + 1}-block-${k + 1}`),
      date: day.date,
      start: block.start,
      end: block.end,
      summary: `${c.title} (day ${d + 1}, part ${k + 1})`,
      description: block.sessions.map((s) => `${s.start}-${s.end} ${s.title} (${METHOD_LABELS[s.method]}${s.practical ? ", practical" : ""})`).join("\n"),
      categories: [...(block.sessions.some((s) => !s.practical) ? ["Input"] : []), ...(block.sessions.some((s) => s.practical) ? ["Practical"] : [])],
    })),
  );
}

/** The course's calendar years, from its first to its last dated day or session. */
function courseYears(c: Curriculum): [number, number] {
  const dates = [...c.days.map((d) => d.date), ...c.sessions.map((s) => s.date)].sort();
  const first = dates[0] ?? c.spec.startDate;
  const last = dates.at(-1) ?? first;
  return [Number(first.slice(0, 4)), Number(last.slice(0, 4))];
}

/** The iCalendar text of a curriculum, CRLF-ended and folded. */
export function curriculumCalendar(c: Curriculum, options: CalendarOptions = { events: "sessions" }): string {
  const zone = c.spec.timezone;
  // A parameter value is quoted when it holds a colon, semicolon or comma (an offset zone such as "+05:30").
  const tzid = /[;:,]/.test(zone) ? `"${zone.replaceAll('"', "")}"` : zone;
  const stamp = utcDateTime(new Date(c.updatedAt));
  const [firstYear, lastYear] = courseYears(c);
  const events = options.events === "blocks" ? blockEvents(c) : sessionEvents(c);
  const lines = [
    "BEGIN:VCALENDAR",
    `PRODID:${PRODID}`,
    "VERSION:2.0",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(c.title)}`,
    `X-WR-TIMEZONE:${escapeText(zone)}`,
    ...vtimezone(zone, firstYear, lastYear),
    ...events.flatMap((e) => [
      "BEGIN:VEVENT",
      `UID:${escapeText(e.uid)}`,
      `SEQUENCE:${Math.max(0, c.version - 1)}`,
      `DTSTAMP:${stamp}`,
      `LAST-MODIFIED:${stamp}`,
      `DTSTART;TZID=${tzid}:${localDateTime(e.date, e.start)}`,
      `DTEND;TZID=${tzid}:${localDateTime(e.date, e.end)}`,
      `SUMMARY:${escapeText(e.summary)}`,
      `DESCRIPTION:${escapeText(e.description)}`,
      `CATEGORIES:${e.categories.map(escapeText).join(",")}`,
      "STATUS:CONFIRMED",
      "TRANSP:OPAQUE",
      "END:VEVENT",
    ]),
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}

export const calendarExport: ExportFormat = {
  id: "calendar",
  scope: "curriculum",
  title: "Calendar (iCalendar .ics)",
  purpose: "The course's sessions (or its blocks between breaks) as calendar events in the course's time zone; re-importing a revised course updates the same events.",
  audience: "participant",
  contentType: "text/calendar; charset=utf-8",
  extension: "ics",
  options: calendarOptionsSchema,
  async build(context) {
    if (!context.curriculum) throw new Error("The calendar export needs a curriculum.");
    const options = calendarOptionsSchema.parse(context.options);
    return Buffer.from(curriculumCalendar(context.curriculum, options), "utf8");
  },
};

export const calendarExports: readonly ExportFormat[] = [calendarExport];
