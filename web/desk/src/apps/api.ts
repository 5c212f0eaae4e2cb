import { client, unwrap, type Schemas } from "../api/client";

export type SidebarApp = Schemas["SidebarAppRead"];
export type AppPanel = Schemas["AppPanel"];

export const appsApi = {
  list: () => unwrap(client.GET("/api/v1/apps")),
  create: (body: Schemas["SidebarAppCreate"]) => unwrap(client.POST("/api/v1/apps", { body })),
  update: (id: number, body: Schemas["SidebarAppUpdate"]) =>
    unwrap(client.PATCH("/api/v1/apps/{app_id}", { params: { path: { app_id: id } }, body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/apps/{app_id}", { params: { path: { app_id: id } } })),
  /** What each enabled app shows for this customer; never fails because an app did. */
  panels: (customerId: number) =>
    unwrap(client.GET("/api/v1/customers/{customer_id}/apps", { params: { path: { customer_id: customerId } } })),
};
