/** Ticket folders with their counts, the list on screen (cursor paging), and open tickets.
 * ticket.* events make whatever is on screen fetch itself again. */
import { defineStore } from "pinia";
import { reactive, ref } from "vue";
import type { TicketCounts, TicketDetail, TicketRow } from "../api/types";
import { ApiError } from "../api/client";
import type { Envelope } from "../realtime/socket";
import type { Key } from "../i18n";
import { debounce, throttle } from "../ui/debounce";
import { ticketsApi, type TicketQuery } from "./api";
import { moment } from "./checklist";
import { leftForInbox } from "./inboxMove";

export const FOLDERS = [
  { key: "open", label: "tickets.folderOpen" },
  { key: "mine", label: "tickets.folderMine" },
  { key: "unassigned", label: "tickets.folderUnassigned" },
  { key: "breaching", label: "sla.folderBreaching" },
  { key: "hold", label: "tickets.folderHold" },
  { key: "snoozed", label: "tickets.folderSnoozed" },
  { key: "closed", label: "tickets.folderClosed" },
  { key: "spam", label: "spam.folder" },
] as const satisfies readonly { key: string; label: Key }[];
export type Folder = (typeof FOLDERS)[number]["key"];

export function folderQuery(folder: Folder): TicketQuery {
  switch (folder) {
    case "mine":
      return { state: ["open"], mine: true };
    case "unassigned":
      return { state: ["open"], unassigned: true };
    case "breaching":
      // SLA: open tickets due within the hour or late, the most urgent first.
      return { state: ["open"], breaching: true, sort: "sla_due_at" };
    default:
      return { state: [folder] };
  }
}

const PAGE = 25;
// Tickets whose details stay after their page is left (`loadTicket`).
const KEPT = 5;
// The least time between two fetches of the list, or of the counts, that events cause.
const LIVE_EVERY = 2000;
// Entries a click on "Show earlier" adds to a ticket's page.
export const EARLIER = 100;
// The most entries the server gives a ticket's page (tickets/api.py, MAX_ENTRIES_SHOWN).
const MOST_ENTRIES = 10_000;

export const useTickets = defineStore("tickets", () => {
  const counts = reactive<Record<number, TicketCounts>>({});
  const query = ref<TicketQuery | null>(null);
  const items = ref<TicketRow[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const details = reactive<Record<number, TicketDetail>>({});
  // Tickets shown here that moved to an inbox this agent does not see: their page says so
  // instead of an error (docs/desk.md, "Moving a ticket to another inbox").
  const movedAway = reactive<Record<number, true>>({});
  // Tickets an event said moved to another inbox, until their next fetch.
  const moving = new Set<number>();
  let generation = 0;

  async function loadCounts(inboxId: number): Promise<void> {
    counts[inboxId] = await ticketsApi.counts(inboxId);
  }

  // When the list asked for each of its rows (checklist.ts `moment`): the checklist counts heard
  // before that are older than the row's.
  const readAt = new Map<number, number>();
  const asked = (rows: TicketRow[], at: number) => rows.forEach((row) => readAt.set(row.id, at));
  const readAtOf = (id: number): number => readAt.get(id) ?? 0;

  async function load(next: TicketQuery): Promise<void> {
    const mine = ++generation;
    const same = JSON.stringify(next) === JSON.stringify(query.value);
    query.value = next;
    if (!same) {
      items.value = [];
      nextCursor.value = null;
    }
    loading.value = true;
    error.value = null;
    try {
      // Keep as many rows as are on screen, so a live refresh does not shrink the list.
      const limit = Math.min(100, Math.max(PAGE, same ? items.value.length : 0));
      const at = moment();
      const page = await ticketsApi.list({ ...next, limit });
      if (mine !== generation) return;
      asked(page.items, at);
      items.value = page.items;
      nextCursor.value = page.next_cursor;
    } catch (e) {
      if (mine === generation) error.value = (e as Error).message;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!query.value || !nextCursor.value) return;
    const mine = ++generation;
    loading.value = true;
    try {
      const at = moment();
      const page = await ticketsApi.list({ ...query.value, cursor: nextCursor.value, limit: PAGE });
      if (mine !== generation) return;
      const known = new Set(items.value.map((t) => t.id));
      const added = page.items.filter((t) => !known.has(t.id));
      asked(added, at);
      items.value = [...items.value, ...added];
      nextCursor.value = page.next_cursor;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  // The tickets opened last, the latest at the end: their details stay, so that going back to
  // one shows it at once, and they are what an event or a reconnect fetches again. Not every
  // ticket opened: after a day's work a reconnect (a deploy, a network change) fetched hundreds
  // again, from every desk at once.
  const recent: number[] = [];
  const ticketRefreshers = new Map<number, () => void>();

  // The oldest entry shown of a ticket whose earlier entries were asked for ("Show earlier"):
  // the server gives the newest 100 unless asked for more, and what arrives later must not push
  // the entries the agent went back to off the page again.
  const oldestShown: Record<number, number> = {};

  /** The ticket as the server has it, from the oldest entry shown on when there is one. */
  async function fetchTicket(id: number): Promise<TicketDetail> {
    const oldest = oldestShown[id];
    if (oldest === undefined) return ticketsApi.get(id);
    // Room for EARLIER entries arrived since the last fetch.
    const detail = await ticketsApi.get(id, Math.min(MOST_ENTRIES, (details[id]?.entries.length ?? 0) + EARLIER));
    const at = detail.entries.findIndex((entry) => entry.id === oldest);
    if (at <= 0) return detail;
    return { ...detail, entries: detail.entries.slice(at), earlier_entries: (detail.earlier_entries ?? 0) + at };
  }

  function keep(id: number, detail: TicketDetail): void {
    details[id] = detail;
    const at = recent.indexOf(id);
    if (at !== -1) recent.splice(at, 1);
    recent.push(id);
    while (recent.length > KEPT) {
      const old = recent.shift()!;
      delete details[old];
      delete oldestShown[old];
      ticketRefreshers.delete(old);
    }
  }

  /** The ticket a page shows: fetched, and kept among the last KEPT opened. */
  async function loadTicket(id: number): Promise<TicketDetail> {
    const detail = await fetchTicket(id);
    keep(id, detail);
    delete movedAway[id];
    return detail;
  }

  /** A kept ticket fetched again; one let go meanwhile stays gone. One that moved to an inbox
   * the agent does not see is no longer theirs (404): marked moved, its last state kept. */
  async function refreshTicket(id: number): Promise<void> {
    const moved = moving.delete(id);
    try {
      const detail = await fetchTicket(id);
      if (details[id]) details[id] = detail;
      delete movedAway[id];
    } catch (e) {
      if (moved && e instanceof ApiError && e.status === 404) movedAway[id] = true;
      else throw e;
    }
  }

  /** EARLIER more of the ticket's entries, before those shown. */
  async function showEarlier(id: number): Promise<void> {
    const shown = details[id];
    if (!shown) return;
    const detail = await ticketsApi.get(id, Math.min(MOST_ENTRIES, shown.entries.length + Math.min(EARLIER, shown.earlier_entries ?? 0)));
    if (detail.entries.length) oldestShown[id] = detail.entries[0].id;
    keep(id, detail);
  }

  // Every desk of an inbox hears each of its tickets' events: the list and the counts on screen
  // are fetched again at most every LIVE_EVERY ms, so that a busy inbox costs the server a request
  // per desk every few seconds, not one per event, and the list does not wait for a quiet moment.
  const refreshList = throttle(() => (query.value ? load(query.value) : undefined), 200, LIVE_EVERY);
  const refreshCounts = throttle(() => Promise.all(Object.keys(counts).map((id) => loadCounts(Number(id)))), 200, LIVE_EVERY);

  /** ticket.created / ticket.updated / ticket.entry_added */
  function changed(envelope: Envelope): void {
    refreshList();
    refreshCounts();
    const id = envelope.data?.ticket?.id as number | undefined;
    if (id != null && details[id]) {
      if (leftForInbox(envelope) === id) moving.add(id);
      if (!ticketRefreshers.has(id)) ticketRefreshers.set(id, debounce(() => refreshTicket(id).catch(() => undefined), 150));
      ticketRefreshers.get(id)!();
    }
  }

  /** ticket.scheduled_replies_changed: a reply scheduled with Send later on one of the rows
   * shown, or what became of it (sent now, cancelled, sent, not sent). The event names no time,
   * and the row shows the soonest of the ticket's waiting ones: the list is read again, as for
   * any change of its tickets. A ticket not on screen changes nothing here. */
  function scheduledChanged(envelope: Envelope): void {
    const id = envelope.data?.ticket_id as number | undefined;
    if (id != null && items.value.some((row) => row.id === id)) refreshList();
  }

  function catchUp(): void {
    refreshList();
    refreshCounts();
    Object.keys(details).forEach((id) => void refreshTicket(Number(id)).catch(() => undefined));
  }

  function reset(): void {
    query.value = null;
    items.value = [];
    for (const id of Object.keys(counts)) delete counts[Number(id)];
    for (const id of Object.keys(details)) delete details[Number(id)];
    for (const id of Object.keys(oldestShown)) delete oldestShown[Number(id)];
    for (const id of Object.keys(movedAway)) delete movedAway[Number(id)];
    moving.clear();
    recent.length = 0;
  }

  return { counts, query, items, nextCursor, loading, error, details, movedAway, readAtOf, loadCounts, load, loadMore, loadTicket, showEarlier, changed, scheduledChanged, catchUp, reset };
});
