import { client, unwrap, type Schemas } from "../api/client";
import type { paths } from "../api/schema";

export type TicketQuery = NonNullable<paths["/api/v1/tickets"]["get"]["parameters"]["query"]>;
const ticket = (ticket_id: number) => ({ params: { path: { ticket_id } } });

export const ticketsApi = {
  list: (query: TicketQuery) => unwrap(client.GET("/api/v1/tickets", { params: { query } })),
  counts: (inbox_id?: number) =>
    unwrap(client.GET("/api/v1/tickets/counts", { params: { query: inbox_id ? { inbox_id } : {} } })),
  get: (id: number, entries?: number) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}", { params: { path: { ticket_id: id }, query: entries ? { entries } : {} } })),
  update: (id: number, body: Schemas["TicketUpdate"]) =>
    unwrap(client.PATCH("/api/v1/tickets/{ticket_id}", { ...ticket(id), body })),
  note: (id: number, text: string, attachmentIds: number[] = []) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/notes", { ...ticket(id), body: { text, attachment_ids: attachmentIds } })),
  reply: (id: number, body: Schemas["ReplyCreate"]) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/replies", { ...ticket(id), body })),
  forward: (id: number, entryId: number, body: Schemas["ForwardCreate"]) =>
    unwrap(
      client.POST("/api/v1/tickets/{ticket_id}/entries/{entry_id}/forward", {
        params: { path: { ticket_id: id, entry_id: entryId } },
        body,
      }),
    ),
};

/** The CSV file of a list: every ticket of the query, not just a page (docs/desk.md, "Exporting a
 * list"). A plain link: the browser downloads it with the session cookie. */
export function exportUrl(query: TicketQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === "cursor" || key === "limit" || value === undefined || value === null) continue;
    for (const each of Array.isArray(value) ? value : [value]) params.append(key, String(each));
  }
  const text = params.toString();
  return `/api/v1/tickets/export.csv${text ? `?${text}` : ""}`;
}

/** "a@x.org, b@y.org; c@z.org" → the addresses, as typed (the server checks them). */
export function addressList(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}
