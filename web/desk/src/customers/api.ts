import { client, unwrap, type Schemas } from "../api/client";

export const customersApi = {
  search: (q: string) => unwrap(client.GET("/api/v1/customers", { params: { query: { q, limit: 10 } } })),
  get: (id: number) =>
    unwrap(client.GET("/api/v1/customers/{customer_id}", { params: { path: { customer_id: id } } })),
  update: (id: number, body: Schemas["CustomerUpdate"]) =>
    unwrap(client.PATCH("/api/v1/customers/{customer_id}", { params: { path: { customer_id: id } }, body })),
  merge: (targetId: number, sourceId: number) =>
    unwrap(
      client.POST("/api/v1/customers/{customer_id}/merge", {
        params: { path: { customer_id: targetId } },
        body: { source_id: sourceId },
      }),
    ),
};
