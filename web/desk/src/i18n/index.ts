/**
 * The desk in the agent's language. Every word an agent reads comes from a catalogue under
 * ./messages (one file per part of the desk, English the reference, French beside it); `t` picks
 * the agent's language and falls back to English for a missing word. `locale` and `timeZone` are
 * reactive: a template that calls `t` or a formatter re-renders when the agent changes them.
 *
 * Only English is part of the desk's own script: this module imports each catalogue's `en` alone,
 * so the bundler leaves the French out. The French words are a chunk of their own (./french.ts),
 * fetched the first time an agent's language is French; the desk shows French once they are here
 * (main.ts holds the first render until then), and stays in English when they cannot be had.
 */
import { computed, nextTick, ref } from "vue";
import { en as assignment } from "./messages/assignment";
import { en as audit } from "./messages/audit";
import { en as auth } from "./messages/auth";
import { en as bulkMerge } from "./messages/bulkMerge";
import { en as chatbar } from "./messages/chatbar";
import { en as chatFiles } from "./messages/chatFiles";
import { en as chats } from "./messages/chats";
import { en as checklists } from "./messages/checklists";
import { en as collision } from "./messages/collision";
import { en as common } from "./messages/common";
import { en as customerImport } from "./messages/customerImport";
import { en as customers } from "./messages/customers";
import { en as errors } from "./messages/errors";
import { en as fields } from "./messages/fields";
import { en as hours } from "./messages/hours";
import { en as inboxMove } from "./messages/inboxMove";
import { en as knowledge } from "./messages/knowledge";
import { en as lightAgent } from "./messages/lightAgent";
import { en as mailboxauth } from "./messages/mailboxauth";
import { en as newTicket } from "./messages/newTicket";
import { en as macros } from "./messages/macros";
import { en as notifications } from "./messages/notifications";
import { en as offers } from "./messages/offers";
import { en as organisations } from "./messages/organisations";
import { en as outOfOffice } from "./messages/outOfOffice";
import { en as preferences } from "./messages/preferences";
import { en as presence } from "./messages/presence";
import { en as privacy } from "./messages/privacy";
import { en as proactive } from "./messages/proactive";
import { en as replies } from "./messages/replies";
import { en as sendLater } from "./messages/sendLater";
import { en as reportEmails } from "./messages/reportEmails";
import { en as ratings } from "./messages/ratings";
import { en as reports } from "./messages/reports";
import { en as rules } from "./messages/rules";
import { en as ruleReply } from "./messages/ruleReply";
import { en as settings } from "./messages/settings";
import { en as shortcuts } from "./messages/shortcuts";
import { en as sla } from "./messages/sla";
import { en as spam } from "./messages/spam";
import { en as sso } from "./messages/sso";
import { en as statuses } from "./messages/statuses";
import { en as slaReports } from "./messages/slaReports";
import { en as ticketFiles } from "./messages/ticketFiles";
import { en as ticketlist } from "./messages/ticketlist";
import { en as ticketLinks } from "./messages/ticketLinks";
import { en as sideConversations } from "./messages/sideConversations";
import { en as timeTracking } from "./messages/timeTracking";
import { en as tickets } from "./messages/tickets";
import { en as twoFactor } from "./messages/twoFactor";
import { en as views } from "./messages/views";
import { en as visitors } from "./messages/visitors";
import { en as webhooks } from "./messages/webhooks";
import type { Catalogue, Message } from "./words";

const catalogues = { assignment, audit, auth, bulkMerge, chatbar, chatFiles, chats, checklists, collision, common, customerImport, customers, errors, fields, hours, inboxMove, knowledge, lightAgent, macros, mailboxauth, newTicket, notifications, offers, organisations, outOfOffice, preferences, presence, privacy, proactive, ratings, replies, reportEmails, reports, ruleReply, rules, sendLater, settings, shortcuts, sideConversations, sla, slaReports, spam, sso, statuses, ticketFiles, ticketLinks, ticketlist, tickets, timeTracking, twoFactor, views, visitors, webhooks };

type Catalogues = typeof catalogues;
/** "chats.join", "tickets.reply", …: a word's catalogue, a dot, its name. */
export type Key = {
  [N in keyof Catalogues]: `${N & string}.${keyof Catalogues[N] & string}`;
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

/** The language the desk shows now: the agent's, once its words are here; English until then. */
export const locale = ref<Locale>("en");
export const timeZone = ref<string>(browserTimeZone());

/** A language's words by catalogue ("chats", "tickets", …), as ./french.ts gives them. */
export type Translation = Record<string, Catalogue | undefined>;

/**
 * Where the words of each language but English come from: French from its own chunk, fetched
 * when first asked for. A test puts its own source here to count or fail the fetches.
 */
export const wordSources: Record<Exclude<Locale, "en">, () => Promise<Translation>> = {
  fr: () => import("./french").then((module) => module.french),
};

const english = catalogues as unknown as Translation;

let wordsFailed: (error: unknown) => void = () => undefined;

/** Told of every fetch of words that fails (main.ts: a new version of the desk may be out). */
export function onWordsFailed(callback: (error: unknown) => void): void {
  wordsFailed = callback;
}

const translations: Partial<Record<Locale, Translation>> = {};
const loading = new Map<Locale, Promise<boolean>>();

/**
 * Fetches `language`'s words, once, and tells whether the desk has them. A fetch that fails (the
 * server deployed a new version meanwhile, the network dropped) is said in the console and to
 * `onWordsFailed`, and tried again at the next ask; until then the desk reads English.
 */
export function loadWords(language: Locale): Promise<boolean> {
  if (language === "en") return Promise.resolve(true);
  let load = loading.get(language);
  if (!load) {
    load = wordSources[language]().then(
      (words) => {
        translations[language] = words;
        return true;
      },
      (error: unknown) => {
        console.error(`frontdesk: the desk's words in "${language}" could not be loaded, so it shows English.`, error);
        loading.delete(language);
        wordsFailed(error);
        return false;
      },
    );
    loading.set(language, load);
  }
  return load;
}

let wanted: Locale = "en";
let switching: Promise<void> = Promise.resolve();

/**
 * Shows the desk in `language` once its words are here, all at once; in English if they cannot
 * be had. Of two switches close together the later one wins, whichever words arrive first.
 */
export function switchLanguage(language: Locale): Promise<void> {
  wanted = language;
  switching = loadWords(language).then((loaded) => {
    if (wanted !== language) return;
    locale.value = loaded ? language : "en";
    document.documentElement.lang = locale.value;
  });
  return switching;
}

/**
 * Resolves once the language last asked for shows (or English, its words failing). First lets
 * Vue run the watchers it has queued: the one that applies a signed-in agent's preferences
 * (auth/store.ts) may not have asked yet.
 */
export async function languageSettled(): Promise<void> {
  await nextTick();
  let current: Promise<void>;
  do {
    current = switching;
    await current;
  } while (current !== switching);
}

/** The agent's saved choices; an empty one means "as my browser says". */
export function applyPreferences(choice: { language?: string | null; time_zone?: string | null }): Promise<void> {
  timeZone.value = choice.time_zone && knownZone(choice.time_zone) ? choice.time_zone : browserTimeZone();
  return switchLanguage(pickLocale(choice.language));
}

const plurals = computed(() => new Intl.PluralRules(locale.value));

function lookup(key: Key): Message {
  const dot = key.indexOf(".");
  const catalogue = key.slice(0, dot);
  const name = key.slice(dot + 1);
  return translations[locale.value]?.[catalogue]?.[name] ?? english[catalogue]?.[name] ?? key;
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
