/** Dates, times and durations in the agent's language and time zone (see ../i18n). */
import { locale, timeZone } from "../i18n";

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

/** "14:02" today (in the agent's time zone), "Mar 3" before. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  return date().format(when) === date().format(new Date()) ? time().format(when) : day().format(when);
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? time().format(new Date(iso)) : "";
}

export function formatFull(iso: string | null | undefined): string {
  return iso ? full().format(new Date(iso)) : "";
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
