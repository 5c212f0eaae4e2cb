import { client, unwrap, type Schemas } from "../api/client";

export type TicketStatus = Schemas["StatusRead"];
export type StatusState = TicketStatus["state"];

const path = (status_id: number) => ({ params: { path: { status_id } } });

export const statusesApi = {
  list: () => unwrap(client.GET("/api/v1/ticket-statuses")),
  create: (body: Schemas["StatusCreate"]) => unwrap(client.POST("/api/v1/ticket-statuses", { body })),
  update: (id: number, body: Schemas["StatusUpdate"]) =>
    unwrap(client.PATCH("/api/v1/ticket-statuses/{status_id}", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/ticket-statuses/{status_id}", path(id))),
};
