import { client, unwrap, type Schemas } from "../api/client";

export type Macro = Schemas["MacroRead"];
export type Action = Macro["actions"][number];
export type BulkResult = Schemas["BulkResult"];
export type Outcome = Schemas["OutcomeRead"];

const path = (id: number) => ({ params: { path: { macro_id: id } } });

export const macrosApi = {
  list: (inboxId?: number) => unwrap(client.GET("/api/v1/macros", { params: { query: inboxId ? { inbox_id: inboxId } : {} } })),
  create: (body: Schemas["MacroCreate"]) => unwrap(client.POST("/api/v1/macros", { body })),
  update: (id: number, body: Schemas["MacroUpdate"]) => unwrap(client.PATCH("/api/v1/macros/{macro_id}", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/macros/{macro_id}", path(id))),
  /** All of the macro on one ticket, or an error and nothing; `seenEntryId`: the newest entry the
   * agent saw (a reply over newer messages is refused, 409 stale_thread). */
  apply: (id: number, ticketId: number, seenEntryId?: number) =>
    unwrap(client.POST("/api/v1/macros/{macro_id}/apply", { ...path(id), body: { ticket_id: ticketId, seen_entry_id: seenEntryId } })),
  /** All of the macro but its reply, which comes back filled in `draft` for the reply box. */
  draft: (id: number, ticketId: number) =>
    unwrap(client.POST("/api/v1/macros/{macro_id}/apply", { ...path(id), body: { ticket_id: ticketId, reply: "draft" } })),
  /** On each ticket, all or nothing per ticket; refusals come back per ticket. `seen`: each
   * ticket's newest message as the list showed it (`last_public_entry_id`, sent as
   * `seen_entry_ids`: a reply to one whose thread moved on since is refused, counted in
   * `stale`). */
  applyMany: (id: number, ticketIds: number[], seen: Record<string, number> = {}) =>
    unwrap(client.POST("/api/v1/macros/{macro_id}/apply-many", { ...path(id), body: { ticket_ids: ticketIds, seen_entry_ids: seen } })),
  bulk: (ticketIds: number[], actions: Action[], seen: Record<string, number> = {}) =>
    unwrap(client.POST("/api/v1/tickets/bulk", { body: { ticket_ids: ticketIds, actions, seen_entry_ids: seen } })),
};
