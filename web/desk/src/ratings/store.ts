/** Ratings by ticket: loaded for the ticket on screen and the customer's history, and kept live
 * by `rating.recorded` (a rating given or changed). */
import { defineStore } from "pinia";
import { reactive } from "vue";
import type { Envelope } from "../realtime/socket";
import { ratingsApi, type Rating } from "./api";

export const useRatings = defineStore("ratings", () => {
  const byTicket = reactive<Record<number, Rating[]>>({});

  function put(rating: Rating): void {
    const list = byTicket[rating.ticket_id] ?? [];
    const index = list.findIndex((r) => r.id === rating.id);
    if (index >= 0) list.splice(index, 1, rating);
    else list.push(rating);
    list.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
    byTicket[rating.ticket_id] = list;
  }

  async function loadTicket(ticketId: number): Promise<void> {
    byTicket[ticketId] = await ratingsApi.ofTicket(ticketId);
  }

  async function loadCustomer(customerId: number): Promise<void> {
    const page = await ratingsApi.ofCustomer(customerId);
    for (const rating of page.items) put(rating);
  }

  /** The latest rating of a ticket, if any. */
  function latest(ticketId: number): Rating | undefined {
    const list = byTicket[ticketId];
    return list?.[list.length - 1];
  }

  function recorded(envelope: Envelope): void {
    const rating = envelope.data.rating as Rating | undefined;
    if (rating) put(rating);
  }

  return { byTicket, loadTicket, loadCustomer, latest, recorded };
});
