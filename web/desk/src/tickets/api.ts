import { client, unwrap, type Schemas } from "../api/client";
import type { paths } from "../api/schema";

export type TicketQuery = NonNullable<paths["/api/v1/tickets"]["get"]["parameters"]["query"]>;
const ticket = (ticket_id: number) => ({ params: { path: { ticket_id } } });

export const ticketsApi = {
  list: (query: TicketQuery) => unwrap(client.GET("/api/v1/tickets", { params: { query } })),
  counts: (inbox_id?: number) =>
    unwrap(client.GET("/api/v1/tickets/counts", { params: { query: inbox_id ? { inbox_id } : {} } })),
  get: (id: number) => unwrap(client.GET("/api/v1/tickets/{ticket_id}", ticket(id))),
  update: (id: number, body: Schemas["TicketUpdate"]) =>
    unwrap(client.PATCH("/api/v1/tickets/{ticket_id}", { ...ticket(id), body })),
  note: (id: number, text: string) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/notes", { ...ticket(id), body: { text } })),
  reply: (id: number, text: string, then: Schemas["AfterReply"]) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/replies", { ...ticket(id), body: { text, then } })),
};
