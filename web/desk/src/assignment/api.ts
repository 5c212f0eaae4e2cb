import { client, unwrap, type Schemas } from "../api/client";

export type Assignment = Schemas["AssignmentRead"];
export type AssignmentUpdate = Schemas["AssignmentUpdate"];

const path = (inbox_id: number) => ({ params: { path: { inbox_id } } });

/** An inbox's auto-assignment (docs/routing.md): every member reads it, admins set it. */
export const assignmentApi = {
  get: (id: number) => unwrap(client.GET("/api/v1/inboxes/{inbox_id}/assignment", path(id))),
  put: (id: number, body: AssignmentUpdate) =>
    unwrap(client.PUT("/api/v1/inboxes/{inbox_id}/assignment", { ...path(id), body })),
};
