/** Report emails' REST calls (/api/v1/reports/subscriptions): the current user's own. */
import { client, unwrap, type Schemas } from "../api/client";

export type ReportSubscription = Schemas["ReportSubscriptionRead"];
export type ReportSubscriptionCreate = Schemas["ReportSubscriptionCreate"];
export type ReportSubscriptionUpdate = Schemas["ReportSubscriptionUpdate"];

export const reportEmailsApi = {
  list: () => unwrap(client.GET("/api/v1/reports/subscriptions")),
  create: (body: ReportSubscriptionCreate) => unwrap(client.POST("/api/v1/reports/subscriptions", { body })),
  update: (id: number, body: ReportSubscriptionUpdate) =>
    unwrap(client.PATCH("/api/v1/reports/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } }, body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/reports/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } })),
};

/** The hours a report email may be due at, "00:00" to "23:00". */
export const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
export const hourLabel = (hour: number) => `${String(hour).padStart(2, "0")}:00`;
