/**
 * Inboxes the signed-in user stopped seeing while the desk was open (docs/desk.md, "Losing an
 * inbox"): taken out of one, or made an agent or a light agent of inboxes they are not a member
 * of. A page that shows one of them (a ticket of it, its folders, a list filtered on it) is left
 * at once, with a sentence saying why (InboxLeftBanner.vue), rather than staying until every
 * action on it answers 404.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import type { Inbox, TicketDetail } from "../api/types";

/** Why the inboxes went: the sentence differs. "offline": found on reconnecting, the event
 * that said why having gone with the connection. */
export type LostWhy = "removed" | "role" | "offline";

/** What the page on screen shows of one inbox. */
export interface PageOfInbox {
  inboxId: number;
  /** The ticket open on it, or null for a list. */
  ticket: { id: number; number: number } | null;
}

/** The part of a route this needs. */
export interface RouteLike {
  path: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
}

const ticketPage = /^\/tickets\/(\d+)$/;

/** The inbox whose tickets the page shows: a ticket's own (as the desk holds it), an inbox's
 * folder, or a list filtered on it; null for any other page (one showing several inboxes, or a
 * saved view, which says itself when it names an inbox one no longer sees). */
export function pageOfInbox(route: RouteLike, details: Readonly<Record<number, TicketDetail | undefined>>): PageOfInbox | null {
  const opened = ticketPage.exec(route.path);
  if (opened) {
    const detail = details[Number(opened[1])];
    return detail ? { inboxId: detail.inbox_id, ticket: { id: detail.id, number: detail.number } } : null;
  }
  const folder = route.params.inboxId;
  if (route.path.startsWith("/inboxes/") && folder != null) return { inboxId: Number(folder), ticket: null };
  const filtered = route.query.inbox_id;
  if (route.path === "/tickets" && typeof filtered === "string" && /^\d+$/.test(filtered)) return { inboxId: Number(filtered), ticket: null };
  return null;
}

/** The inboxes listed `before` that `now` no longer lists. */
export function lostInboxes(before: readonly Pick<Inbox, "id" | "name">[], now: readonly Pick<Inbox, "id">[]): Pick<Inbox, "id" | "name">[] {
  const kept = new Set(now.map((inbox) => inbox.id));
  return before.filter((inbox) => !kept.has(inbox.id)).map(({ id, name }) => ({ id, name }));
}

/** What the banner says: the inbox, the ticket that was open, and what was typed on it. */
export interface LeftPage {
  inbox: string;
  why: LostWhy;
  ticketNumber: number | null;
  /** A reply or note typed on the ticket and not sent: shown to copy, never lost silently. */
  draft: string;
}

export const useLostInboxes = defineStore("lostInboxes", () => {
  /** The latest inboxes lost, for the banner to act on; a new object each time. */
  const heard = ref<{ inboxes: Pick<Inbox, "id" | "name">[]; why: LostWhy } | null>(null);
  /** The page left, for the banner; null once closed. */
  const left = ref<LeftPage | null>(null);
  // The open ticket page's reply box, read when the page is left (TicketPage.vue).
  const drafts = new Map<number, () => string>();

  function lost(inboxes: Pick<Inbox, "id" | "name">[], why: LostWhy): void {
    if (inboxes.length) heard.value = { inboxes, why };
  }

  /** A ticket page says what is typed on it, until it goes (the function given back). */
  function holdDraft(ticketId: number, typed: () => string): () => void {
    drafts.set(ticketId, typed);
    return () => drafts.get(ticketId) === typed && drafts.delete(ticketId);
  }

  const draftOf = (ticketId: number): string => drafts.get(ticketId)?.().trim() ?? "";

  function reset(): void {
    heard.value = null;
    left.value = null;
  }

  return { heard, left, lost, holdDraft, draftOf, reset };
});
