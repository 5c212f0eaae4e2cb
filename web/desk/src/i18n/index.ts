/**
 * The desk in the agent's language. Every word an agent reads comes from a catalogue under
 * ./messages (one file per part of the desk, English the reference, French beside it); `t` picks
 * the agent's language and falls back to English for a missing word. `locale` and `timeZone` are
 * reactive: a template that calls `t` or a formatter re-renders when the agent changes them.
 */
import { computed, ref } from "vue";
import * as assignment from "./messages/assignment";
import * as audit from "./messages/audit";
import * as auth from "./messages/auth";
import * as bulkMerge from "./messages/bulkMerge";
import * as chatbar from "./messages/chatbar";
import * as chatFiles from "./messages/chatFiles";
import * as chats from "./messages/chats";
import * as collision from "./messages/collision";
import * as common from "./messages/common";
import * as customers from "./messages/customers";
import * as errors from "./messages/errors";
import * as fields from "./messages/fields";
import * as hours from "./messages/hours";
import * as inboxMove from "./messages/inboxMove";
import * as knowledge from "./messages/knowledge";
import * as mailboxauth from "./messages/mailboxauth";
import * as newTicket from "./messages/newTicket";
import * as macros from "./messages/macros";
import * as notifications from "./messages/notifications";
import * as offers from "./messages/offers";
import * as outOfOffice from "./messages/outOfOffice";
import * as preferences from "./messages/preferences";
import * as presence from "./messages/presence";
import * as privacy from "./messages/privacy";
import * as replies from "./messages/replies";
import * as ratings from "./messages/ratings";
import * as reports from "./messages/reports";
import * as rules from "./messages/rules";
import * as ruleReply from "./messages/ruleReply";
import * as settings from "./messages/settings";
import * as shortcuts from "./messages/shortcuts";
import * as sla from "./messages/sla";
import * as spam from "./messages/spam";
import * as sso from "./messages/sso";
import * as slaReports from "./messages/slaReports";
import * as ticketFiles from "./messages/ticketFiles";
import * as ticketlist from "./messages/ticketlist";
import * as timeTracking from "./messages/timeTracking";
import * as tickets from "./messages/tickets";
import * as twoFactor from "./messages/twoFactor";
import * as views from "./messages/views";
import type { Catalogue, Message } from "./words";

const catalogues = { assignment, audit, auth, bulkMerge, chatbar, chatFiles, chats, collision, common, customers, errors, fields, hours, inboxMove, knowledge, macros, mailboxauth, newTicket, notifications, offers, outOfOffice, preferences, presence, privacy, ratings, replies, reports, ruleReply, rules, settings, shortcuts, sla, slaReports, spam, sso, ticketFiles, ticketlist, tickets, timeTracking, twoFactor, views, webhooks };
import * as webhooks from "./messages/webhooks";


type Catalogues = typeof catalogues;
/** "chats.join", "tickets.reply", …: a word's catalogue, a dot, its name. */
export type Key = {
  [N in keyof Catalogues]: `${N & string}.${keyof Catalogues[N]["en"] & string}`;
}[keyof Catalogues];
export type Vars = Record<string, string | number>;

export const LOCALES = ["en", "fr"] as const;
export type Locale = (typeof LOCALES)[number];

/** "fr-CA" → "fr"; a language we have no words for → "en". */
export function pickLocale(wanted: string | null | undefined): Locale {
  const base = (wanted || navigator.language || "en").toLowerCase().split("-")[0];
  return (LOCALES as readonly string[]).includes(base ?? "") ? (base as Locale) : "en";
}

/** The browser's own time zone, e.g. "Europe/Paris". */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Whether this browser can show times in `zone`. The server accepts any zone of its tz database;
 * an older browser may lack a recent one, and would then fail on every date: such a browser
 * shows its own zone instead.
 */
export function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const locale = ref<Locale>(pickLocale(undefined));
export const timeZone = ref<string>(browserTimeZone());

/** The agent's saved choices; an empty one means "as my browser says". */
export function applyPreferences(choice: { language?: string | null; time_zone?: string | null }): void {
  locale.value = pickLocale(choice.language);
  timeZone.value = choice.time_zone && knownZone(choice.time_zone) ? choice.time_zone : browserTimeZone();
  document.documentElement.lang = locale.value;
}

const plurals = computed(() => new Intl.PluralRules(locale.value));

function lookup(key: Key): Message {
  const dot = key.indexOf(".");
  const catalogue = catalogues[key.slice(0, dot) as keyof Catalogues] as unknown as Record<Locale, Catalogue>;
  const name = key.slice(dot + 1);
  return catalogue[locale.value]?.[name] ?? catalogue.en[name] ?? key;
}

/**
 * The word for `key` in the agent's language, with `{name}` replaced from `vars`. A word with
 * plural forms picks its form by `vars.n` (Intl.PluralRules: "one" or "other" in English and
 * French).
 */
export function t(key: Key, vars?: Vars): string {
  const message = lookup(key);
  const text =
    typeof message === "string"
      ? message
      : (message[plurals.value.select(Number(vars?.n ?? 0)) as keyof typeof message] ?? message.other);
  return vars ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? "")) : text;
}
