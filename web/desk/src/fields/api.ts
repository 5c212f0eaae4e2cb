import { client, unwrap, type Schemas } from "../api/client";

const path = (id: number) => ({ params: { path: { field_id: id } } });

export const fieldsApi = {
  list: () => unwrap(client.GET("/api/v1/fields")),
  /** One field with `in_use`: how many records a delete would take its value from. */
  get: (id: number) => unwrap(client.GET("/api/v1/fields/{field_id}", path(id))),
  create: (body: Schemas["CustomFieldCreate"]) => unwrap(client.POST("/api/v1/fields", { body })),
  update: (id: number, body: Schemas["CustomFieldUpdate"]) =>
    unwrap(client.PATCH("/api/v1/fields/{field_id}", { ...path(id), body })),
  reorder: (body: Schemas["CustomFieldOrder"]) => unwrap(client.PUT("/api/v1/fields/order", { body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/fields/{field_id}", path(id))),
};
