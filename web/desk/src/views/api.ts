import { client, unwrap, type Schemas } from "../api/client";

export type SavedView = Schemas["SavedViewRead"];
export type ViewFilters = Schemas["ViewFilters"];
const view = (view_id: number) => ({ params: { path: { view_id } } });

export const viewsApi = {
  list: () => unwrap(client.GET("/api/v1/views")),
  get: (id: number) => unwrap(client.GET("/api/v1/views/{view_id}", view(id))),
  counts: () => unwrap(client.GET("/api/v1/views/counts")),
  create: (body: Schemas["SavedViewCreate"]) => unwrap(client.POST("/api/v1/views", { body })),
  update: (id: number, body: Schemas["SavedViewUpdate"]) => unwrap(client.PATCH("/api/v1/views/{view_id}", { ...view(id), body })),
  /** One place up (-1) or down (1) among its kind; answers the list as GET /views. */
  move: (id: number, by: -1 | 1) => unwrap(client.POST("/api/v1/views/{view_id}/move", { ...view(id), body: { by } })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/views/{view_id}", view(id))),
};
