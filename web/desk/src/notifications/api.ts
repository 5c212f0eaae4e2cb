import { client, unwrap, type Schemas } from "../api/client";

export type Notification = Schemas["NotificationRead"];
export type NotificationPage = Schemas["NotificationPage"];
export type PreferencesRead = Schemas["NotificationPreferencesRead"];
export type Kind = Notification["kind"];
export type Channel = "in_app" | "push" | "email";
export type Followers = Schemas["FollowersRead"];
export type Mentionable = Schemas["MentionableRead"];

const ticket = (id: number) => ({ params: { path: { ticket_id: id } } });

export const notificationsApi = {
  list: (query: { before?: number; limit?: number; unread?: boolean }) =>
    unwrap(client.GET("/api/v1/notifications", { params: { query } })),
  /** `ids` null: all of mine. */
  markRead: (ids: number[] | null) => unwrap(client.POST("/api/v1/notifications/read", { body: { ids } })),
  preferences: () => unwrap(client.GET("/api/v1/notifications/preferences")),
  setPreferences: (preferences: Schemas["NotificationPreferencesUpdate"]["preferences"]) =>
    unwrap(client.PUT("/api/v1/notifications/preferences", { body: { preferences } })),
  pushKey: () => unwrap(client.GET("/api/v1/push/key")),
  subscriptions: () => unwrap(client.GET("/api/v1/push/subscriptions")),
  subscribe: (body: Schemas["PushSubscriptionCreate"]) => unwrap(client.POST("/api/v1/push/subscriptions", { body })),
  unsubscribe: (id: number) =>
    unwrap(client.DELETE("/api/v1/push/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } })),
  followers: (id: number) => unwrap(client.GET("/api/v1/tickets/{ticket_id}/followers", ticket(id))),
  follow: (id: number) => unwrap(client.PUT("/api/v1/tickets/{ticket_id}/follow", ticket(id))),
  unfollow: (id: number) => unwrap(client.DELETE("/api/v1/tickets/{ticket_id}/follow", ticket(id))),
  mentionable: (id: number, q: string) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}/mentionable", { params: { path: { ticket_id: id }, query: { q } } })),
};
