/**
 * Snooze's quick times (docs/desk.md, "Snoozing a ticket"), on the agent's clock like Send
 * later's (ui/quickTimes.ts): later today (in 3 hours, while that is still today), tomorrow
 * morning, next Monday morning (from Tuesday to Saturday) and in a week, same time.
 */
import { inAWeek, laterToday, mondayMorning, pickerBounds, tomorrowMorning } from "../ui/quickTimes";

export type SnoozeChoice = { key: "later" | "tomorrow" | "monday" | "week"; at: Date };

/** The least a picked snooze is ahead: the server takes any time in the future. */
export const MIN_MINUTES = 5;

export function snoozeChoices(now: Date): SnoozeChoice[] {
  const later = laterToday(now);
  const monday = mondayMorning(now);
  return [
    ...(later ? [{ key: "later" as const, at: later }] : []),
    { key: "tomorrow", at: tomorrowMorning(now) },
    ...(monday ? [{ key: "monday" as const, at: monday }] : []),
    { key: "week", at: inAWeek(now) },
  ];
}

/** The picker's bounds: from 5 minutes on, with no end (as the server). */
export function snoozeBounds(now: Date): { min: string } {
  return { min: pickerBounds(now, MIN_MINUTES).min };
}
