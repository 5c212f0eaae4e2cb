/** Dates, times, durations and sizes in the agent's language and time zone (see ../i18n). */
import { locale, t, timeZone } from "../i18n";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${name} ${locale.value} ${timeZone.value}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale.value, { ...options, timeZone: timeZone.value });
    formatters.set(key, found);
  }
  return found;
}

const time = () => formatter("time", { hour: "2-digit", minute: "2-digit" });
const day = () => formatter("day", { month: "short", day: "numeric" });
const full = () => formatter("full", { dateStyle: "medium", timeStyle: "short" });
const date = () => formatter("date", { year: "numeric", month: "2-digit", day: "2-digit" });
const calendarDay = () => formatter("calendarDay", { dateStyle: "medium" });
const weekdayTime = () => formatter("weekdayTime", { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const dayTime = () => formatter("dayTime", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const yearDayTime = () => formatter("yearDayTime", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const year = () => formatter("year", { year: "numeric" });

/** "14:02" today (in the agent's time zone), "Mar 3" before. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  return date().format(when) === date().format(new Date()) ? time().format(when) : day().format(when);
}

/** Whether `iso` falls on the day of `now` on the agent's clock. */
export function isToday(iso: string | null | undefined, now: Date = new Date()): boolean {
  return !!iso && date().format(new Date(iso)) === date().format(now);
}

/** A moment as short as it stays clear: "02:05 PM" today, "Dec 3, 02:05 PM" this year ("3 déc.,
 * 14:05"), with its year before; on the agent's clock. */
export function formatDayTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "";
  const when = new Date(iso);
  if (isToday(iso, now)) return time().format(when);
  return (year().format(when) === year().format(now) ? dayTime() : yearDayTime()).format(when);
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? time().format(new Date(iso)) : "";
}

export function formatFull(iso: string | null | undefined): string {
  return iso ? full().format(new Date(iso)) : "";
}

/** "Tue, Dec 8, 09:00 AM" ("mar. 8 déc., 09:00"): a time of the coming days, with its weekday. */
export function formatWeekdayTime(iso: string | null | undefined): string {
  return iso ? weekdayTime().format(new Date(iso)) : "";
}

/** "Jan 5, 2027": the day alone, with its year. */
export function formatDay(iso: string | null | undefined): string {
  return iso ? calendarDay().format(new Date(iso)) : "";
}

function unit(value: number, name: "second" | "minute" | "hour"): string {
  return new Intl.NumberFormat(locale.value, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
}

/** 75 → "1 min", 4000 → "1 hr 6 min" ("1 h 6 min" in French). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return unit(Math.max(0, Math.round(seconds)), "second");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return unit(minutes, "minute");
  return `${unit(Math.floor(minutes / 60), "hour")} ${unit(minutes % 60, "minute")}`;
}

/** How far `zone`'s wall clock is ahead of UTC at the moment `at` (ms since the epoch). */
function offsetAt(at: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  );
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * A datetime-local value ("2026-03-03T10:30") read on the agent's wall clock, in their time zone
 * rather than the browser's: the moment it names.
 */
export function fromZonedInput(value: string): Date {
  const [day = "", time = ""] = value.split("T");
  const [year = 0, month = 1, date = 1] = day.split("-").map(Number);
  const [hour = 0, minute = 0] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, date, hour, minute);
  // The offset where the answer lands, not where the guess did: they differ across a DST change.
  const guess = wall - offsetAt(wall, timeZone.value);
  return new Date(wall - offsetAt(guess, timeZone.value));
}

/** The moment as a datetime-local value on the agent's wall clock, to the minute. */
export function toZonedInput(at: Date): string {
  return new Date(at.getTime() + offsetAt(at.getTime(), timeZone.value)).toISOString().slice(0, 16);
}

/**
 * Sizes in the agent's language, as the messenger writes them: "31 B", "39 KB", "1.2 MB" ("1,2 Mo"
 * in French). The symbols are the catalogue's: Intl's short unit for a byte is the whole word in
 * English ("31 byte"), and its kilobyte is "kB".
 */
export function formatSize(bytes: number): string {
  const number = (value: number) => new Intl.NumberFormat(locale.value, { maximumFractionDigits: 1 }).format(value);
  const kilobytes = Math.round(bytes / 1024);
  if (bytes < 1024) return t("ticketFiles.bytes", { size: number(bytes) });
  if (kilobytes < 1024) return t("ticketFiles.kilobytes", { size: number(kilobytes) });
  return t("ticketFiles.megabytes", { size: number(bytes / 1048576) });
}

/** "Mar 9" ("9 mars"): a calendar day (YYYY-MM-DD, such as a time entry's day worked), which is
 * no instant: shown as written, in the agent's language, in no time zone. */
export function formatCalendarDay(day: string): string {
  const key = `calendar ${locale.value}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale.value, { month: "short", day: "numeric", timeZone: "UTC" });
    formatters.set(key, found);
  }
  return found.format(new Date(`${day}T00:00:00Z`));
}

/**
 * What a date or datetime-local input holds ("2026-03-04", "2026-03-04T14:30"), in the agent's
 * language: "Mar 4, 2026", "Mar 4, 2026, 02:30 PM" ("4 mars 2026", "4 mars 2026, 14:30"). Chromium
 * writes such an input in the browser's own order (03/04/2026 in a French desk on an English
 * browser, whatever the page's `lang`), so the desk says the day beside it (PickedDay.vue). The
 * value is shown as written, a wall-clock reading, in no time zone; "" while it is no whole value.
 */
export function formatPicked(value: string | null | undefined): string {
  const match = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2})?$/.exec(value ?? "");
  if (!match) return "";
  const at = new Date(`${match[1]}${match[2] ?? "T00:00"}:00Z`);
  // Date reads "2026-02-30" as March 2nd.
  if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== match[1]) return "";
  const options: Intl.DateTimeFormatOptions = match[2]
    ? { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
    : { dateStyle: "medium" };
  const key = `picked ${match[2] ? "time" : "day"} ${locale.value}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale.value, { ...options, timeZone: "UTC" });
    formatters.set(key, found);
  }
  return found.format(at);
}
