/**
 * An audit entry's changes as lines a person reads (docs/security.md, "Audit log"): each field by
 * its name in the desk's language, its values in words. The server stores raw keys and JSON values
 * (audit/values.py); every key it can write is listed in ./auditedKeys.json (checked against the
 * server by tests/test_audit_keys_listed.py) and has words in both languages
 * (tests/auditWords.test.ts). A key this desk does not know yet reads as its own words
 * ("max_chats" → "Max chats"), never as a blank.
 */
import { t, type Key } from "../i18n";
import { formatCalendarDay, formatFull } from "../ui/format";

/** Names for the ids an entry holds, where the desk has them. */
export type Names = {
  user: (id: number) => string | undefined;
  inbox: (id: number) => string | undefined;
};

// Fields that switch something on or off; other booleans answer yes or no.
const SWITCHES = new Set([
  "enabled", "chat_enabled", "email_enabled", "offer_chats", "sso_only", "require_identity", "create_users",
  "customer_portal", "include_internal", "shared_requests", "only_when_online", "business_hours",
]);
// Fields whose values are a fixed set of words, each with words of its own (audit.value_<key>_<value>).
const ENUMS: Record<string, string> = {
  role: "role", default_role: "role", two_factor_roles: "role", method: "method", reason: "reason",
  state: "state", access: "access", mode: "mode", when: "when", limit: "limit",
};
const USER_IDS = new Set(["owner_id", "sender_id"]);
const INBOX_IDS = new Set(["inbox_id", "portal_inbox_id", "inbox_ids"]);
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

function one(key: string, value: unknown, names: Names): string {
  if (value === null || value === undefined || value === "") return t("audit.none");
  if (value === "changed") return t("audit.changed");
  if (typeof value === "boolean") {
    if (SWITCHES.has(key)) return t(value ? "audit.value_on" : "audit.value_off");
    return t(value ? "audit.value_yes" : "audit.value_no");
  }
  if (typeof value === "number") {
    if (USER_IDS.has(key)) return names.user(value) ?? `#${value}`;
    if (INBOX_IDS.has(key)) return names.inbox(value) ?? `#${value}`;
    if (key.endsWith("_id") || key === "customer") return `#${value}`;
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
    return cut(value.map((item) => one(key, item, names)).join(", "));
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    // A few plain values (an absence's from and until): each by its name.
    if (entries.length && entries.every(([, item]) => item === null || typeof item !== "object")) {
      return cut(entries.map(([name, item]) => `${fieldWord(name).toLowerCase()} ${one(name, item, names)}`).join(", "));
    }
    return cut(JSON.stringify(value));
  }
  return cut(String(value));
}

// Keys whose one value is a list (an organisation created with its domains): a before and after
// of theirs is a pair of lists.
const LISTS = new Set(["domains"]);
function isPair(key: string, value: unknown): value is [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) return false;
  return !LISTS.has(key) || value.every((item) => item === null || Array.isArray(item));
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
    .map(([key, value]) => {
      let shown = one(key, value, names);
      if (isPair(key, value)) {
        const [before, after] = value;
        if (created && before === null) shown = one(key, after, names);
        else if (deleted && after === null) shown = one(key, before, names);
        else shown = `${one(key, before, names)} → ${one(key, after, names)}`;
      }
      return t("audit.changeLine", { field: fieldWord(key), value: shown });
    });
}
