import { client, unwrap, type Schemas } from "../api/client";

export const customersApi = {
  /** The one customer who has this address (exactly, any case), if the agent may see them. */
  byEmail: async (email: string) =>
    (await unwrap(client.GET("/api/v1/customers", { params: { query: { email } } }))).items[0] ?? null,
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
