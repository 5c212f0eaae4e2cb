/**
 * Quick times on the agent's own clock (the time zone of their preferences, whatever the
 * computer's zone): what Send later and Snooze offer (docs/desk.md, "Send later" and "Snoozing a
 * ticket"). The days are counted as calendar days on that clock, so "tomorrow at 9:00" is 9:00
 * even on the day the clocks change.
 */
import { fromZonedInput, toZonedInput } from "./format";

/** The quick choices' morning hour, on the agent's clock. */
export const MORNING = "09:00";
/** "Later today" is this long from now; offered only while that is still today. */
export const LATER_HOURS = 3;

/** "2026-12-06" plus `n` days, as a calendar day (no time zone in it). */
export function addDays(day: string, n: number): string {
  const [year = 0, month = 1, date = 1] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date + n)).toISOString().slice(0, 10);
}

/** 0 for Sunday … 6 for Saturday, of a calendar day. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** Today's calendar day on the agent's clock. */
export function today(now: Date): string {
  return toZonedInput(now).slice(0, 10);
}

/** Tomorrow at 9:00. */
export function tomorrowMorning(now: Date): Date {
  return fromZonedInput(`${addDays(today(now), 1)}T${MORNING}`);
}

/**
 * Next Monday at 9:00, or null when it is Monday today or tomorrow: the same time as tomorrow
 * morning on a Sunday, a week away on a Monday.
 */
export function mondayMorning(now: Date): Date | null {
  const day = today(now);
  if (weekday(day) === 1 || weekday(addDays(day, 1)) === 1) return null;
  return fromZonedInput(`${addDays(day, (8 - weekday(day)) % 7)}T${MORNING}`);
}

/**
 * In three hours (to the next whole minute), or null when that is no longer today on the agent's
 * clock (from about 21:00).
 */
export function laterToday(now: Date): Date | null {
  const at = new Date(Math.ceil((now.getTime() + LATER_HOURS * 3_600_000) / 60_000) * 60_000);
  return today(at) === today(now) ? at : null;
}

/** Seven days on at the same time of day on the agent's clock (to the minute), whatever a clock
 * change in between. */
export function inAWeek(now: Date): Date {
  const [day = "", time = ""] = toZonedInput(now).split("T");
  return fromZonedInput(`${addDays(day, 7)}T${time}`);
}

/** A picker's bounds as datetime-local values on the agent's clock: at least `minMinutes` from
 * now, and at most `maxDays` on when there is a limit. */
export function pickerBounds(now: Date, minMinutes: number, maxDays?: number): { min: string; max?: string } {
  const min = toZonedInput(new Date(now.getTime() + minMinutes * 60_000));
  return maxDays === undefined ? { min } : { min, max: toZonedInput(new Date(now.getTime() + maxDays * 86_400_000)) };
}
