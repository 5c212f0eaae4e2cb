/** What an absence means now, and its words (docs/desk.md, "Out of office"). */
import { ref } from "vue";
import { t } from "../i18n";
import { formatFull, toZonedInput } from "../ui/format";
import type { OutOfOffice } from "./api";

// A start "now" is the server's now: a browser whose clock (or whose ticking `now`) is a little
// behind must not call it planned for later.
const SKEW = 60_000;

/** Within [from, until) at `now` (ms): the server's rule, so an absence whose end passed is over
 * here too before any event says so. */
export function awayAt(away: OutOfOffice | null | undefined, now: number): boolean {
  if (!away) return false;
  return Date.parse(away.from) <= now + SKEW && (away.until === null || now < Date.parse(away.until));
}

/** Set for later: not yet started, not over. */
export function plannedAt(away: OutOfOffice | null | undefined, now: number): boolean {
  return !!away && !awayAt(away, now) && (away.until === null || now < Date.parse(away.until));
}

/** The name in an assignee picker: "Ada (out of office until …)". */
export function pickerName(name: string, away: OutOfOffice | null | undefined, now: number): string {
  if (!away || !awayAt(away, now)) return name;
  return away.until
    ? t("outOfOffice.pickerAway", { name, until: formatFull(away.until) })
    : t("outOfOffice.pickerAwayOpen", { name });
}

/** Tomorrow at 09:00 on the viewer's clock (a `datetime-local` value): the dialog's first end.
 * The calendar date steps by one in their zone, not 24 hours on: a day with a clock change is 23
 * or 25 hours long, and 24 hours after 00:30 can still be today. */
export function tomorrowMorning(now: Date): string {
  const [year, month, day] = toZonedInput(now).slice(0, 10).split("-").map(Number);
  const tomorrow = new Date(Date.UTC(year!, month! - 1, day! + 1));
  return `${tomorrow.toISOString().slice(0, 10)}T09:00`;
}

/** The start the dialog sends for "Now": the absence under way keeps its own (changing its note
 * or end does not move it to now); otherwise null, the server's now. */
export function startOfNow(current: OutOfOffice | null | undefined, now: number): string | null {
  return current && awayAt(current, now) ? current.from : null;
}

/** Asks the desk's one dialog for my own absence to open (the user menu, the banner). */
export const myDialogAsked = ref(0);
export function openMyOutOfOffice(): void {
  myDialogAsked.value += 1;
}
