// What the messenger says about the inbox's business hours (docs/messenger.md, "Online, away,
// closed"): the card above the form when nobody can chat right away, and when we are back, in the
// visitor's own time. The server decides the state (GET /status); this only puts it in words.

import { h } from "./dom";
import type { Translate } from "./i18n";
import type { Status } from "./types";

/** "under a minute", "about 4 minutes": a wait in the visitor's words. */
export function waitWords(t: Translate, seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return seconds < 50 ? t("seconds") : minutes <= 1 ? t("minute") : t("minutes", { n: minutes });
}

/** The locale dates and times are written in: the browser's own when it speaks the messenger's
 * language ("en-GB" for an English messenger: 7 December, 14:00), else the messenger's. */
export function dateLocale(
  language: string,
  browser: string | undefined = typeof navigator === "undefined" ? undefined : navigator.language,
): string {
  return browser && browser.toLowerCase().split("-")[0] === language ? browser : language;
}

/** A message's time, small under it: "14:05" today, with the date on another day. */
export function timeWords(locale: string, iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(at);
  if (sameDay(at, now)) return time;
  return `${new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" }).format(at)}, ${time}`;
}

/** Whether a waiting chat has waited (`waited` seconds, by the server's clock: a visitor's own
 * may be minutes off) past the usual wait (`wait` seconds), and at least a minute. */
export function waitedTooLong(waited: number | null | undefined, wait: number | null | undefined): boolean {
  return waited != null && waited >= Math.max(60, wait ?? 0);
}

function sameDay(a: Date, b: Date): boolean {
  return a.toDateString() === b.toDateString();
}

/** An instant in the visitor's time zone and language: "today at 09:00", "Monday 7 December at
 * 09:00". The browser knows the visitor's time zone; the inbox's is the server's business. */
export function whenWords(t: Translate, locale: string, iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(at);
  if (sameDay(at, now)) return t("todayAt", { time });
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  if (sameDay(at, tomorrow)) return t("tomorrowAt", { time });
  const day = new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
  }).format(at);
  return t("dayAt", { day, time });
}

/** The line under the inbox's name in the panel's header, before any chat. */
export function headerWords(t: Translate, status: Status): string {
  if (status.state === "closed") return t("headerClosed");
  if (status.state === "away" && status.online) return t("headerBusy");
  return t(status.online ? "online" : "offline");
}

/** The card that replaces the greeting when the visitor cannot chat with someone right away;
 * null while someone is free. */
export function hoursCard(t: Translate, locale: string, status: Status | null): HTMLElement | null {
  if (!status || status.state === "online" || !status.state) return null;
  // Nobody online in hours, with no words of the inbox's own: the offline greeting says it all,
  // as it did before business hours existed.
  if (status.state === "away" && !status.online && !status.away_message) return null;
  const lines: (HTMLElement | null)[] = [];
  let title: string;
  if (status.state === "closed") {
    title = t("closedTitle");
    const back = status.next_opening_at ? whenWords(t, locale, status.next_opening_at) : "";
    lines.push(back ? h("p", { class: "hours-back", text: t("backAt", { when: back }) }) : null);
  } else if (status.online) {
    title = t("busyTitle");
    const position = status.queue_position ?? 1;
    lines.push(
      h("p", { text: position <= 1 ? t("busyNext") : t("busyQueue", { n: position }) }),
      status.estimated_wait_seconds != null
        ? h("p", { text: t("wait", { t: waitWords(t, status.estimated_wait_seconds) }) })
        : null,
    );
  } else {
    title = t("awayTitle");
  }
  // The admin's own words, as text: never markup.
  if (status.away_message) lines.push(h("p", { class: "hours-message", text: status.away_message }));
  if (!status.online) lines.push(h("p", { text: t("leaveEmail") }));
  return h(
    "div",
    { class: `card hours-card is-${status.state}`, "data-state": status.state },
    h("p", { class: "card-title", text: title }),
    ...lines,
  );
}

/** The confirmation's promise for a message left while closed. */
export function replyFromWords(t: Translate, locale: string, iso: string | null): string | null {
  if (!iso) return null;
  const when = whenWords(t, locale, iso);
  return when ? t("replyFrom", { when }) : null;
}
