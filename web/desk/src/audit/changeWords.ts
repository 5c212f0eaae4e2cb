/**
 * An audit entry's changes as lines a person reads (docs/security.md, "Audit log"): each field by
 * its name in the desk's language, its values in words. The server stores raw keys and JSON values
 * (audit/values.py); every key it can write is listed in ./auditedKeys.json (checked against the
 * server by tests/test_audit_keys_listed.py) and has words in both languages
 * (tests/auditWords.test.ts). A key this desk does not know yet reads as its own words
 * ("max_chats" → "Max chats"), never as a blank, and no value reads as JSON: a rule's conditions
 * and actions say what the rules list says (rules/describe.ts, macros/describe.ts), weekly hours
 * read "Mon–Fri 09:00–17:00", messenger settings and a view's filters each by their own names.
 */
import { locale, t, type Key } from "../i18n";
import type { Action } from "../macros/api";
import { describeActionSaying } from "../macros/describe";
import type { Condition, When } from "../rules/api";
import { describeCondition, describeWhen, shortId, type Gone, type Named } from "../rules/describe";
import { formatCalendarDay, formatFull } from "../ui/format";
import { SORT_WORDS, type Sort } from "../views/filters";

/** What an entry names by id. */
export type IdKind = "user" | "inbox" | "label" | "status" | "category" | "organisation";

/** Names for what an entry holds, where the desk has them: a name; null when the list was read
 * and the id is not in it (deleted since: "deleted label #12"); undefined when it is not known
 * ("#12"). `field` finds a custom field by its key ("ticket" or "customer" field). */
export type Names = { [kind in IdKind]?: (id: number) => string | null | undefined } & {
  user: (id: number) => string | null | undefined;
  inbox: (id: number) => string | null | undefined;
  field?: (key: string) => string | null | undefined;
};

// Fields that switch something on or off; other booleans answer yes or no ("enabled" too: its
// name, "Turned on", asks the question).
const SWITCHES = new Set([
  "chat_enabled", "email_enabled", "offer_chats", "sso_only", "require_identity", "create_users",
  "customer_portal", "include_internal", "shared_requests", "only_when_online", "business_hours",
]);
// Fields whose values are a fixed set of words, each with words of its own (audit.value_<key>_<value>).
const ENUMS: Record<string, string> = {
  role: "role", default_role: "role", two_factor_roles: "role", method: "method", reason: "reason",
  state: "state", access: "access", mode: "mode", when: "when", limit: "limit",
};
// Fields that hold ids (one or a list), and of what.
const IDS: Record<string, IdKind> = {
  owner_id: "user", sender_id: "user", assignee_id: "user",
  inbox_id: "inbox", portal_inbox_id: "inbox", inbox_ids: "inbox",
  label_id: "label", status_id: "status", category_id: "category", organisation_id: "organisation",
};
// An inbox's messenger settings by their names in Settings → Messenger; a setting this desk does
// not know yet reads as its own words.
const MESSENGER: Record<string, Key> = {
  color: "settings.color",
  greeting: "settings.greeting",
  greeting_offline: "settings.greetingOffline",
  typing_preview: "settings.typingPreview",
};
// A saved view's (or a ticket export's) filters by their names in the filter bar.
const FILTERS: Record<string, Key> = {
  inbox_id: "views.inbox",
  state: "views.state",
  status_id: "statuses.filter",
  assignee_id: "views.assignee",
  label_id: "views.label",
  organisation_id: "views.organisation",
  priority: "views.priority",
  type: "views.type",
  field: "fields.filter",
};
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const MAX_VALUE = 160;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The word for a known key, or `fallback` for one this desk has no word for. */
function word(key: string, fallback: string): string {
  const found = t(key as Key);
  return found === key ? fallback : found;
}

/** "shared_requests" → "Shared requests": an unknown key in words. */
export function readable(key: string): string {
  const words = key.replace(/[_.+]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}

export function fieldWord(key: string): string {
  return word(`audit.field_${key}`, readable(key));
}

function cut(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** "Inbox: Support", "Boîte : Support": each language puts its colon its own way. */
const labelled = (name: string, value: string) => `${t("common.labelled", { label: name })} ${value}`;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** What a name the desk does not hold reads as: "deleted label #12" when its list was read. */
function goneWords(names: Names): Gone {
  return (kind: Named, id: number | string) => {
    const known = kind === "field" ? names.field?.(String(id)) : names[kind]?.(Number(id));
    if (known) return known;
    return known === null ? t(`audit.gone_${kind}`, { id }) : shortId(kind, id);
  };
}

function named(kind: IdKind, id: number, names: Names): string {
  const known = names[kind]?.(id);
  if (known) return known;
  return known === null ? t(`audit.gone_${kind}`, { id }) : `#${id}`;
}

function dayWord(day: string): string {
  return word(`audit.day_${day}`, day);
}

/** Weekly hours as "Mon–Fri 09:00–17:00, Sat 10:00–14:00": days in a row with the same hours
 * together, a day's several intervals joined by "and". */
export function weeklyWords(weekly: unknown[]): string {
  const byDay = new Map<string, string[]>();
  for (const interval of weekly) {
    if (!isObject(interval)) continue;
    const day = String(interval.day);
    byDay.set(day, [...(byDay.get(day) ?? []), `${String(interval.opens).slice(0, 5)}–${String(interval.closes).slice(0, 5)}`]);
  }
  const hoursOf = (day: string) => (byDay.get(day) ?? []).join(` ${t("audit.and")} `);
  const runs: { first: string; last: string; hours: string }[] = [];
  for (const day of DAYS) {
    const hours = hoursOf(day);
    const run = runs[runs.length - 1];
    if (run && hours && run.hours === hours && DAYS.indexOf(run.last as (typeof DAYS)[number]) === DAYS.indexOf(day) - 1) run.last = day;
    else if (hours) runs.push({ first: day, last: day, hours });
  }
  if (!runs.length) return t("audit.closedAllWeek");
  return runs.map(({ first, last, hours }) => `${dayWord(first)}${last === first ? "" : `–${dayWord(last)}`} ${hours}`).join(", ");
}

function dateWords(day: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** "25 Dec, every year (Christmas), 2 Jan 2027". */
export function holidayWords(holidays: unknown[]): string {
  if (!holidays.length) return t("audit.none");
  return holidays
    .filter(isObject)
    .map((holiday) => {
      const date = String(holiday.date);
      const when = holiday.yearly ? t("audit.everyYear", { day: formatCalendarDay(date) }) : dateWords(date);
      return holiday.name ? `${when} (${String(holiday.name)})` : when;
    })
    .join(", ");
}

/** A view's filters as the filter bar names them: "Inbox: Support · State: Open, Hold". */
function filterWords(filters: Record<string, unknown>, names: Names): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filters)) {
    if (value === null || value === undefined || value === false || value === "" || (Array.isArray(value) && !value.length)) continue;
    if (key === "mine") parts.push(labelled(t("views.assignee"), t("views.me")));
    else if (key === "unassigned") parts.push(labelled(t("views.assignee"), t("views.unassigned")));
    else if (key === "breaching") parts.push(t("views.breaching"));
    else {
      const name = FILTERS[key] ? t(FILTERS[key]) : fieldWord(key);
      parts.push(labelled(name, filterValue(key, value, names)));
    }
  }
  return parts.length ? parts.join(" · ") : t("views.all");
}

function filterValue(key: string, value: unknown, names: Names): string {
  if (Array.isArray(value)) return value.map((each) => filterValue(key, each, names)).join(", ");
  if (typeof value === "number" && IDS[key]) return named(IDS[key], value, names);
  if (key === "state") return word(`tickets.state_${String(value)}`, String(value));
  if (key === "priority") return word(`sla.priority_${String(value)}`, String(value));
  if (key === "type") return word(`tickets.type_${String(value)}`, String(value));
  if (key === "field" && typeof value === "string" && value.includes(":")) {
    // "plan:Pro": the field by its label, then what it must be.
    const at = value.indexOf(":");
    const label = goneWords(names)("field", value.slice(0, at));
    return `${label} ${value.slice(at + 1) || t("fields.notSet")}`;
  }
  return cut(String(value));
}

/** A setting of the messenger's value: a switch as on or off, text as itself. */
function settingValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return t("audit.none");
  if (value === "on" || value === "off") return t(value === "on" ? "audit.value_on" : "audit.value_off");
  return cut(String(value));
}

/** A value that is not one word: a rule's moment, conditions and actions, hours, filters; null
 * for any other value. */
function structured(key: string, value: unknown, names: Names): string | null {
  const gone = goneWords(names);
  if (key === "when" && isObject(value) && typeof value.type === "string") return describeWhen(value as When, gone);
  if (key === "conditions" && Array.isArray(value) && value.every(isObject)) {
    return value.length ? value.map((condition) => describeCondition(condition as Condition, gone)).join("; ") : t("rules.noConditions");
  }
  if (key === "actions" && Array.isArray(value) && value.every((action) => isObject(action) && typeof action.type === "string")) {
    return value.length ? value.map((action) => describeActionSaying(action as Action, gone)).join("; ") : t("audit.none");
  }
  if (key === "match" && (value === "all" || value === "any")) return t(value === "all" ? "rules.matchAll" : "rules.matchAny");
  if (key === "weekly" && Array.isArray(value)) return weeklyWords(value);
  if (key === "holidays" && Array.isArray(value)) return holidayWords(value);
  if (key === "filters" && isObject(value)) return filterWords(value, names);
  if (key === "sort" && typeof value === "string" && value in SORT_WORDS) return t(SORT_WORDS[value as Sort]);
  if (key === "page_rule" && value === "") return t("proactive.everyPage");
  if (key === "messenger_settings" && isObject(value)) {
    const set = Object.entries(value).map(([name, each]) => labelled(settingWord(name), settingValue(each)));
    return set.length ? set.join(" · ") : t("audit.none");
  }
  return null;
}

const settingWord = (name: string) => (MESSENGER[name] ? t(MESSENGER[name]) : readable(name));

function one(key: string, value: unknown, names: Names): string {
  const described = structured(key, value, names);
  if (described !== null) return described;
  if (value === null || value === undefined || value === "") return t("audit.none");
  if (value === "changed") return t("audit.changed");
  if (typeof value === "boolean") {
    if (SWITCHES.has(key)) return t(value ? "audit.value_on" : "audit.value_off");
    return t(value ? "audit.value_yes" : "audit.value_no");
  }
  if (typeof value === "number") {
    if (IDS[key]) return named(IDS[key], value, names);
    // An erased customer: gone by design, so only its number.
    if (key === "customer") return t("audit.customerNumber", { id: value });
    if (key.endsWith("_id")) return `#${value}`;
    return String(value);
  }
  if (typeof value === "string") {
    const kind = ENUMS[key];
    if (kind) return word(`audit.value_${kind}_${value.replace(/\W/g, "_")}`, value);
    // The server reduces long or private text to whether there is any (organisation notes).
    if (key === "notes" && (value === "set" || value === "empty")) return t(`audit.value_${value}`);
    if (INSTANT.test(value)) return formatFull(value);
    if (DAY.test(value)) return formatCalendarDay(value);
    return cut(value);
  }
  if (Array.isArray(value)) {
    if (!value.length) return t("audit.none");
    const items = value.map((item) => one(key, item, names));
    return value.some(isObject) ? items.join("; ") : cut(items.join(", "));
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (!entries.length) return t("audit.none");
    // A few plain values (an absence's from and until): each by its name.
    if (entries.every(([, item]) => item === null || typeof item !== "object")) {
      return cut(entries.map(([name, item]) => `${fieldWord(name).toLowerCase()} ${one(name, item, names)}`).join(", "));
    }
    // Anything deeper this desk has no words for yet: its parts by their names, never JSON.
    return entries.map(([name, item]) => labelled(fieldWord(name), one(name, item, names))).join(" · ");
  }
  return cut(String(value));
}

// Keys whose one value is a list (an organisation created with its domains): a before and after
// of theirs is a pair of lists.
const LISTS = new Set(["domains", "weekly", "holidays", "conditions", "actions", "events", "options", "inbox_ids", "allowed_origins", "allowed_domains", "two_factor_roles"]);
function isPair(key: string, value: unknown): value is [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) return false;
  return !LISTS.has(key) || value.every((item) => item === null || Array.isArray(item));
}

// Past this, "before → after" wrapped mid-list and the arrow was lost: the after starts a line of
// its own (the page keeps the line breaks).
const ONE_LINE = 60;
function beforeAndAfter(before: string, after: string): string {
  return before.length + after.length > ONE_LINE ? `${before}\n→ ${after}` : `${before} → ${after}`;
}

/** A before and after of settings kept as one object (an inbox's messenger settings): a line for
 * each setting that changed, by its name in Settings. */
function settingLines(key: string, before: unknown, after: unknown): string[] | null {
  if (key !== "messenger_settings" || !(isObject(before) || isObject(after))) return null;
  const was = isObject(before) ? before : {};
  const now = isObject(after) ? after : {};
  const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((name) => was[name] !== now[name]);
  if (!changed.length) return null;
  return changed.map((name) => {
    const value = before == null ? settingValue(now[name]) : beforeAndAfter(settingValue(was[name]), settingValue(now[name]));
    return t("audit.changeLine", { field: `${fieldWord(key)} · ${settingWord(name)}`, value });
  });
}

/** "Role: Admin → Agent"; a secret's "changed" as a word; a single value as itself. A row created
 * (or deleted) has nothing before (or after) each value: its lines show the value alone. */
export function changeLines(changes: Record<string, unknown> | null | undefined, names: Names, action = ""): string[] {
  const all = changes ?? {};
  const created = action.endsWith(".created");
  const deleted = action.endsWith(".deleted");
  return Object.entries(all)
    // An entry that carries the inboxes' names (a ticket moved) needs not their ids too.
    .filter(([key]) => !(key === "inbox_id" && "inbox" in all))
    .flatMap(([key, value]) => {
      let shown = one(key, value, names);
      if (isPair(key, value)) {
        const [before, after] = value;
        if (created && before === null) shown = one(key, after, names);
        else if (deleted && after === null) shown = one(key, before, names);
        else {
          const lines = settingLines(key, before, after);
          if (lines) return lines;
          shown = beforeAndAfter(one(key, before, names), one(key, after, names));
        }
      }
      return [t("audit.changeLine", { field: fieldWord(key), value: shown })];
    });
}
