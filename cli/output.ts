import Table from "cli-table3";

export type Row = Record<string, unknown>;

/** What each command prints: the API's JSON with --json, else a table. */
export interface Output {
  json: boolean;
  write(text: string): void;
}

// Control (Cc: ESC, BEL, …), format (Cf: bidi overrides, zero-width) and line/paragraph separators;
// a line feed stays (a table cell may hold several lines; it cannot move the cursor elsewhere).
const UNPRINTABLE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Text from the API made safe for a terminal: every control, format or separator character but a
 * line feed is shown as its `\u{…}` escape, so text another tenant wrote (a name, a yank message)
 * can never move the cursor, clear the screen or reorder what is printed around it.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** A value as table text: arrays joined with commas, objects as JSON, null as blank; terminal-safe (`printable`). */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return printable(value.map((v) => (v && typeof v === "object" ? JSON.stringify(v) : String(v))).join(", "));
  if (typeof value === "object") return printable(JSON.stringify(value));
  return printable(String(value));
}

// No colours (output is read by people and by grep alike) and no rule between rows.
const PLAIN = { head: [] as string[], border: [] as string[] };
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

/** Rows as a table with these columns (key → heading); only the columns some row has. */
export function table(rows: Row[], columns: Array<[key: string, heading: string]>): string {
  const present = columns.filter(([key]) => rows.some((row) => row[key] !== undefined));
  const t = new Table({ head: present.map(([, heading]) => heading), style: PLAIN, chars: COMPACT });
  for (const row of rows) t.push(present.map(([key]) => cell(row[key])));
  return t.toString();
}

/** One record as a two-column table (field, value), in this order, then any other fields. */
export function record(row: Row, order: string[] = []): string {
  const t = new Table({ style: PLAIN, chars: COMPACT });
  const keys = [...order.filter((key) => key in row), ...Object.keys(row).filter((key) => !order.includes(key))];
  for (const key of keys) t.push({ [key]: cell(row[key]) });
  return t.toString();
}

/** A page line under a list: "3 of 41 (offset 0)". */
export function pageLine(page: { items: unknown[]; total?: number; offset?: number; next_cursor?: string | null }): string {
  const total = typeof page.total === "number" ? page.total : page.items.length;
  // A cursor page has no offset; a page that can be walked on names the cursor for --cursor.
  const where = page.offset === undefined && page.next_cursor !== undefined ? "by cursor" : `offset ${page.offset ?? 0}`;
  return `${page.items.length} of ${total} (${where})${page.next_cursor ? `\nnext page: --cursor ${page.next_cursor}` : ""}`;
}

/** The API's JSON with --json, else what `human` renders. */
export function print(out: Output, data: unknown, human: () => string): void {
  out.write(out.json ? JSON.stringify(data, null, 2) : human());
}
