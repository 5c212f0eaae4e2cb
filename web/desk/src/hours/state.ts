// What the business hours settings say about now, and which time zones they offer
// (docs/routing.md, "Setting them"). A time the inbox opens or closes is the inbox's wall clock:
// it is shown on that clock, its zone named, with the reader's own time beside it when their
// clock shows another, never on the reader's clock alone, which read as the inbox's hours.
import { knownZone, locale, t } from "../i18n";
import type { BusinessHours } from "./api";

/** "America/New_York" as a person reads it: "America/New York". */
export function zoneName(zone: string): string {
  return zone.replaceAll("_", " ");
}

/**
 * A zone business hours accept (the server's rule, hours/zones.py): UTC or a Region/City name.
 * "EST" has no daylight saving and "Etc/GMT+5" is UTC−05:00, both traps the server refuses.
 */
export function isCityZone(zone: string): boolean {
  return zone === "UTC" || (zone.includes("/") && !zone.startsWith("Etc/"));
}

/** The zones the picker offers, sorted: the browser's city zones, UTC and the one saved. */
export function offeredZones(saved: string, known: readonly string[]): string[] {
  return [...new Set([...known.filter(isCityZone), "UTC", saved])].sort();
}

/** The zone proposed for a calendar never set: the admin's own, when it is one to keep. */
export function proposedZone(own: string, known: readonly string[]): string {
  return isCityZone(own) && (known.length === 0 || known.includes(own)) ? own : "UTC";
}

function format(iso: string, zone: string, withDate: boolean): string {
  const style: Intl.DateTimeFormatOptions = withDate ? { dateStyle: "medium", timeStyle: "short" } : { timeStyle: "short" };
  return new Intl.DateTimeFormat(locale.value, { ...style, timeZone: zone }).format(new Date(iso));
}

function day(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, dateStyle: "short" }).format(new Date(iso));
}

/** "Dec 7, 2026, 9:00 AM Europe/Paris time (3:00 AM your time, America/New York)". */
export function onInboxClock(iso: string, inboxZone: string, viewerZone: string): string {
  if (!knownZone(inboxZone)) return t("hours.zoned", { time: format(iso, viewerZone, true), zone: zoneName(viewerZone) });
  const there = t("hours.zoned", { time: format(iso, inboxZone, true), zone: zoneName(inboxZone) });
  if (!knownZone(viewerZone) || format(iso, viewerZone, true) === format(iso, inboxZone, true)) return there;
  const time = format(iso, viewerZone, day(iso, viewerZone) !== day(iso, inboxZone));
  return t("hours.alsoYours", { there, time, zone: zoneName(viewerZone) });
}

/** The line above the settings: open or closed now, and until when. */
export function hoursState(read: BusinessHours | null, viewerZone: string): string {
  if (!read || !read.enabled) return t("hours.alwaysOpen");
  const when = (iso: string) => onInboxClock(iso, read.time_zone, viewerZone);
  if (read.open_now) return read.next_closing_at ? t("hours.closesAt", { when: when(read.next_closing_at) }) : t("hours.openNow");
  return read.next_opening_at ? t("hours.opensAt", { when: when(read.next_opening_at) }) : t("hours.neverOpens");
}
