import { client, unwrap, type Schemas } from "../api/client";

export type Webhook = Schemas["SubscriptionRead"];
export type WebhookEvent = Webhook["events"][number];
export type Delivery = Schemas["DeliveryRead"];
export type DeliveryState = Delivery["state"];

export const EVENTS: WebhookEvent[] = [
  "ticket.created",
  "ticket.updated",
  "ticket.deleted",
  "chat.started",
  "chat.ended",
  "message.created",
  "rating.received",
  "customer.created",
  "customer.updated",
  "customer.merged",
  "customer.deleted",
  "time_entry.created",
  "time_entry.updated",
  "time_entry.deleted",
  "ticket.checklist_updated",
  "ticket.linked",
  "ticket.unlinked",
  "organisation.created",
  "organisation.updated",
  "organisation.deleted",
];

const path = (id: number) => ({ params: { path: { webhook_id: id } } });

export const webhooksApi = {
  list: () => unwrap(client.GET("/api/v1/webhooks")),
  create: (body: Schemas["SubscriptionCreate"]) => unwrap(client.POST("/api/v1/webhooks", { body })),
  update: (id: number, body: Schemas["SubscriptionUpdate"]) => unwrap(client.PATCH("/api/v1/webhooks/{webhook_id}", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/webhooks/{webhook_id}", path(id))),
  secret: (id: number) => unwrap(client.GET("/api/v1/webhooks/{webhook_id}/secret", path(id))),
  /** The old secret goes on signing beside the new one for `overlapHours` (docs/webhooks.md). */
  rotate: (id: number, overlapHours: number) =>
    unwrap(client.POST("/api/v1/webhooks/{webhook_id}/secret", { ...path(id), body: { overlap_hours: overlapHours } })),
  test: (id: number) => unwrap(client.POST("/api/v1/webhooks/{webhook_id}/test", path(id))),
  deliveries: (id: number, state?: DeliveryState) =>
    unwrap(client.GET("/api/v1/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: id }, query: { state, limit: 50 } } })),
  replay: (id: number, deliveryId: number) =>
    unwrap(client.POST("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", { params: { path: { webhook_id: id, delivery_id: deliveryId } } })),
};
