import { client, unwrap, type Schemas } from "../api/client";

export const labelsApi = {
  list: () => unwrap(client.GET("/api/v1/labels")),
  create: (body: Schemas["LabelCreate"]) => unwrap(client.POST("/api/v1/labels", { body })),
  update: (id: number, body: Schemas["LabelUpdate"]) =>
    unwrap(client.PATCH("/api/v1/labels/{label_id}", { params: { path: { label_id: id } }, body })),
  remove: (id: number) =>
    unwrap(client.DELETE("/api/v1/labels/{label_id}", { params: { path: { label_id: id } } })),
};
