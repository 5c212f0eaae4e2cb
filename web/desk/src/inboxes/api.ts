import { client, unwrap, type Schemas } from "../api/client";

const path = (inbox_id: number) => ({ params: { path: { inbox_id } } });

export const inboxesApi = {
  list: () => unwrap(client.GET("/api/v1/inboxes")),
  get: (id: number) => unwrap(client.GET("/api/v1/inboxes/{inbox_id}", path(id))),
  create: (body: Schemas["InboxCreate"]) => unwrap(client.POST("/api/v1/inboxes", { body })),
  update: (id: number, body: Schemas["InboxUpdate"]) =>
    unwrap(client.PATCH("/api/v1/inboxes/{inbox_id}", { ...path(id), body })),
  members: (id: number) => unwrap(client.GET("/api/v1/inboxes/{inbox_id}/members", path(id))),
  addMember: (id: number, user_id: number) =>
    unwrap(client.POST("/api/v1/inboxes/{inbox_id}/members", { ...path(id), body: { user_id } })),
  removeMember: (id: number, user_id: number) =>
    unwrap(
      client.DELETE("/api/v1/inboxes/{inbox_id}/members/{user_id}", {
        params: { path: { inbox_id: id, user_id } },
      }),
    ),
};

/** The inbox's mailbox at a mail provider (IMAP); admins only. The secret is write-only. */
export const mailboxApi = {
  get: (id: number) => unwrap(client.GET("/api/v1/inboxes/{inbox_id}/mailbox", path(id))),
  put: (id: number, body: Schemas["MailboxWrite"]) =>
    unwrap(client.PUT("/api/v1/inboxes/{inbox_id}/mailbox", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/inboxes/{inbox_id}/mailbox", path(id))),
};
