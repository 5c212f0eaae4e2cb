import { client, unwrap, type Schemas } from "../api/client";

export type BusinessHours = Schemas["BusinessHoursRead"];
export type BusinessHoursUpdate = Schemas["BusinessHoursUpdate"];
export type OpenInterval = Schemas["OpenInterval"];
export type Holiday = Schemas["Holiday"];

const path = (inbox_id: number) => ({ params: { path: { inbox_id } } });

/** An inbox's business hours (docs/routing.md): every member reads them, admins set them. */
export const hoursApi = {
  get: (id: number) => unwrap(client.GET("/api/v1/inboxes/{inbox_id}/hours", path(id))),
  put: (id: number, body: BusinessHoursUpdate) =>
    unwrap(client.PUT("/api/v1/inboxes/{inbox_id}/hours", { ...path(id), body })),
};
