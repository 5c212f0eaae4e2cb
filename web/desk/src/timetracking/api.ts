/** Time tracking's REST calls: a ticket's entries, and the agent's one running timer. */
import { client, unwrap, type Schemas } from "../api/client";

export type TimeEntry = Schemas["TimeEntryRead"];
export type Timer = Schemas["TimerRead"];

const ticket = (id: number) => ({ params: { path: { ticket_id: id } } });
const entry = (id: number) => ({ params: { path: { entry_id: id } } });

export const timeApi = {
  list: (ticketId: number, cursor?: string) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}/time-entries", { params: { path: { ticket_id: ticketId }, query: cursor ? { cursor } : {} } })),
  log: (ticketId: number, body: Schemas["TimeEntryCreate"]) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/time-entries", { ...ticket(ticketId), body })),
  update: (id: number, body: Schemas["TimeEntryUpdate"]) =>
    unwrap(client.PATCH("/api/v1/time-entries/{entry_id}", { ...entry(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/time-entries/{entry_id}", entry(id))),
  timer: () => unwrap(client.GET("/api/v1/me/timer")),
  start: (ticketId: number) => unwrap(client.POST("/api/v1/tickets/{ticket_id}/timer", ticket(ticketId))),
  stop: (body: Schemas["TimerStop"] = {}) => unwrap(client.POST("/api/v1/me/timer/stop", { body })),
  discard: () => unwrap(client.DELETE("/api/v1/me/timer")),
};
