/**
 * Durations as agents type them, and as the desk shows them. The API counts whole minutes
 * (1 to 24 hours, checked again by the server); these read "90" (minutes), "1h 30m", "1h30",
 * "1.5h", "45m", "2 h 15 min" and "1:30" (hours and minutes).
 */
import { t } from "../i18n";

export const MAX_MINUTES = 24 * 60;

const CLOCK = /^(\d{1,2}):([0-5]\d)$/;
const UNITS = /^(?:(\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?|eures?)?)?\s*(?:(\d+)\s*(?:m|mn|mins?|minutes?)?)?$/;

/** Minutes, or null when the text is no duration of 1 minute to 24 hours. */
export function parseDuration(text: string): number | null {
  const written = text.trim().toLowerCase();
  if (!written) return null;
  let minutes: number;
  const clock = CLOCK.exec(written);
  const units = UNITS.exec(written);
  if (/^\d+$/.test(written)) minutes = Number(written);
  else if (clock) minutes = Number(clock[1]) * 60 + Number(clock[2]);
  else if (units && (units[1] !== undefined || units[2] !== undefined)) {
    // A bare number after hours is minutes ("1h 30"); without hours it needs no unit either.
    const hours = units[1] === undefined ? 0 : Number(units[1].replace(",", "."));
    minutes = Math.round(hours * 60) + (units[2] === undefined ? 0 : Number(units[2]));
  } else return null;
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_MINUTES ? minutes : null;
}

/** 135 → "2 h 15 min", 60 → "1 h", 45 → "45 min" (the same in French). */
export function formatMinutes(total: number): string {
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (!h) return t("timeTracking.minutes", { m });
  return m ? t("timeTracking.hoursMinutes", { h, m }) : t("timeTracking.hours", { h });
}

/** A running clock: 75 → "1:15", 3725 → "1:02:05". */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  return h ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
