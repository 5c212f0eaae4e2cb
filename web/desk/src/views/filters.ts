/**
 * The ticket list's filters, in the URL and in a saved view. They have the list API's own names
 * (GET /api/v1/tickets: inbox_id, state, assignee_id, unassigned, mine, label_id, organisation_id, status_id,
 * priority, type, breaching, field, sort), so the URL of a filtered list (/tickets?inbox_id=1&priority=high) is its
 * request, a reload or a shared link shows the same list, and a saved view keeps the same words.
 */
import type { LocationQuery, LocationQueryRaw } from "vue-router";
import type { Key } from "../i18n";
import type { Ticket } from "../api/types";
import type { TicketQuery } from "../tickets/api";
import type { ViewFilters } from "./api";

export type State = Ticket["state"];
export type Priority = NonNullable<Ticket["priority"]>;
export type Kind = Ticket["type"];
export const STATES: State[] = ["open", "hold", "snoozed", "closed", "spam"];
export const PRIORITIES: Priority[] = ["urgent", "high", "normal", "low"];
export const KINDS: Kind[] = ["chat", "email", "web"];
export const SORTS = ["-updated_at", "updated_at", "-created_at", "created_at", "-number", "number", "sla_due_at"] as const;
export type Sort = (typeof SORTS)[number];
/** Each order in words: the list's sort menu, and a view's sort in the audit log. */
export const SORT_WORDS: Record<Sort, Key> = {
  "-updated_at": "views.sortUpdatedNewest",
  updated_at: "views.sortUpdatedOldest",
  "-created_at": "views.sortCreatedNewest",
  created_at: "views.sortCreatedOldest",
  "-number": "views.sortNumberHighest",
  number: "views.sortNumberLowest",
  sla_due_at: "views.sortSlaDue",
};

/** The filter control that had the focus when the list page was left for another (FilterBar). */
export const carried: { focus: { filter: string; option?: string } | null } = { focus: null };

export interface Listing {
  filters: ViewFilters;
  sort: Sort;
}

/** One value of the URL's query: the last when repeated. */
function one(query: LocationQuery, key: string): string | null {
  const value = query[key];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === "string" && last !== "" ? last : null;
}

function many<T extends string>(query: LocationQuery, key: string, allowed: readonly T[]): T[] {
  const value = query[key];
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  return allowed.filter((each) => values.includes(each));
}

function id(query: LocationQuery, key: string): number | null {
  const value = Number(one(query, key));
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** The filters a URL names; what it does not name (or names wrongly) is not filtered on. */
export function fromQuery(query: LocationQuery): Listing {
  const sort = one(query, "sort");
  const filters: ViewFilters = {
    inbox_id: id(query, "inbox_id"),
    state: many(query, "state", STATES),
    label_id: id(query, "label_id"),
    organisation_id: id(query, "organisation_id"),
    status_id: id(query, "status_id"),
    priority: many(query, "priority", PRIORITIES),
    type: (KINDS as string[]).includes(one(query, "type") ?? "") ? (one(query, "type") as Kind) : null,
    breaching: one(query, "breaching") === "true",
    field: one(query, "field"),
  };
  if (one(query, "mine") === "true") filters.mine = true;
  else if (one(query, "unassigned") === "true") filters.unassigned = true;
  else filters.assignee_id = id(query, "assignee_id");
  return { filters, sort: (SORTS as readonly string[]).includes(sort ?? "") ? (sort as Sort) : "-updated_at" };
}

/** The same filters, as few keys as possible: the URL, and the request. */
export function toQuery({ filters, sort }: Listing): TicketQuery {
  const query: TicketQuery = {};
  if (filters.inbox_id) query.inbox_id = filters.inbox_id;
  if (filters.state?.length) query.state = [...filters.state];
  if (filters.mine) query.mine = true;
  else if (filters.unassigned) query.unassigned = true;
  else if (filters.assignee_id) query.assignee_id = filters.assignee_id;
  if (filters.label_id) query.label_id = filters.label_id;
  if (filters.organisation_id) query.organisation_id = filters.organisation_id;
  if (filters.status_id) query.status_id = filters.status_id;
  if (filters.priority?.length) query.priority = [...filters.priority];
  if (filters.type) query.type = filters.type;
  if (filters.breaching) query.breaching = true;
  if (filters.field) query.field = filters.field;
  if (sort !== "-updated_at") query.sort = sort;
  return query;
}

/** The same, as the page's URL query. */
export function toLocation(listing: Listing): LocationQueryRaw {
  return Object.fromEntries(
    Object.entries(toQuery(listing)).map(([key, value]) => [key, Array.isArray(value) ? value.map(String) : String(value)]),
  );
}

/** What a view keeps: only the filters set (the server fills in the rest). */
export function stored(filters: ViewFilters): ViewFilters {
  const query = toQuery({ filters, sort: "-updated_at" });
  return query as ViewFilters;
}

export function sameListing(a: Listing, b: Listing): boolean {
  return JSON.stringify(toQuery(a)) === JSON.stringify(toQuery(b));
}

/** The assignee filter as one select's value: "", "me", "none" or an agent's id. */
export function assigneeChoice(filters: ViewFilters): string {
  if (filters.mine) return "me";
  if (filters.unassigned) return "none";
  return filters.assignee_id ? String(filters.assignee_id) : "";
}

export function withAssignee(filters: ViewFilters, choice: string): ViewFilters {
  const rest: ViewFilters = { ...filters };
  delete rest.mine;
  delete rest.unassigned;
  delete rest.assignee_id;
  if (choice === "me") return { ...rest, mine: true };
  if (choice === "none") return { ...rest, unassigned: true };
  return choice ? { ...rest, assignee_id: Number(choice) } : rest;
}

/** A folder of an inbox (the sidebar's Open, Mine, …) as filters: the filter bar starts there. */
export function folderListing(inboxId: number, folder: string): Listing {
  switch (folder) {
    case "mine":
      return { filters: { inbox_id: inboxId, state: ["open"], mine: true }, sort: "-updated_at" };
    case "unassigned":
      return { filters: { inbox_id: inboxId, state: ["open"], unassigned: true }, sort: "-updated_at" };
    case "breaching":
      return { filters: { inbox_id: inboxId, state: ["open"], breaching: true }, sort: "sla_due_at" };
    default:
      return { filters: { inbox_id: inboxId, state: [folder as State] }, sort: "-updated_at" };
  }
}

/** A custom field filter's parts: `seats:>5` → `seats` and `>5` (`plan:` → `plan` and ""). */
export function fieldParts(spec: string | null | undefined): { key: string; value: string } | null {
  if (!spec) return null;
  const colon = spec.indexOf(":");
  if (colon < 1) return null;
  return { key: spec.slice(0, colon).trim(), value: spec.slice(colon + 1).trim() };
}

type Compared = "number" | "date";
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function bound(kind: Compared, written: string): number | string | null {
  if (kind === "number") {
    if (!NUMBER.test(written)) return null;
    const value = Number(written);
    return Math.abs(value) < 1e15 ? value : null;
  }
  if (!DAY.test(written)) return null;
  const [year, month, day] = written.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  // 2026-02-30 rolls over to March: not a day.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? written : null;
}

/**
 * What the agent typed as a text, number or date field's condition, written as the list API
 * reads it (GET /api/v1/tickets `field`; the server checks it again): a text whole; a number or a
 * date (YYYY-MM-DD) alone, after `>`, `>=`, `<` or `<=`, or as a range `a..b` (either end may be
 * left out). Null: not one the field reads (the filter bar says so instead of asking).
 */
export function fieldCondition(kind: "text" | Compared, typed: string): string | null {
  const value = typed.trim();
  if (!value) return null;
  if (kind === "text") return /[\r\n]/.test(value) || value.length > 500 ? null : value;
  if (value.includes("..")) {
    const [first, last, ...rest] = value.split("..").map((part) => part.trim());
    if (rest.length || (!first && !last)) return null;
    const low = first ? bound(kind, first) : undefined;
    const high = last ? bound(kind, last) : undefined;
    if (low === null || high === null) return null;
    if (low !== undefined && high !== undefined && low > high) return null;
    return `${first}..${last}`;
  }
  const operator = /^(>=|<=|>|<)/.exec(value)?.[0] ?? "";
  const rest = value.slice(operator.length).trim();
  return bound(kind, rest) === null ? null : `${operator}${rest}`;
}
