/**
 * CSV as spreadsheets read it (RFC 4180): fields quoted when they hold a comma, quote or line break, lines ended
 * with CRLF, and a byte-order mark so that Excel reads UTF-8.
 *
 * A field that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is
 * written with a leading apostrophe: text a user typed (a course title, a name) can then never run in the reader's
 * spreadsheet (CSV injection, OWASP).
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvDocument(rows: readonly (readonly (string | number)[])[]): string {
  return "\uFEFF" + rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}
