import { client, unwrap } from "../api/client";

const chat = (chat_id: number) => ({ params: { path: { chat_id } } });

export const chatsApi = {
  bar: () => unwrap(client.GET("/api/v1/chats/bar")),
  ongoing: () => unwrap(client.GET("/api/v1/chats")),
  agents: () => unwrap(client.GET("/api/v1/chats/agents")),
  detail: (id: number) => unwrap(client.GET("/api/v1/chats/{chat_id}", chat(id))),
  acceptOffer: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/offer/accept", chat(id))),
  declineOffer: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/offer/decline", chat(id))),
  join: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/join", chat(id))),
  message: (id: number, text: string, client_msg_id: string) =>
    unwrap(client.POST("/api/v1/chats/{chat_id}/messages", { ...chat(id), body: { text, client_msg_id } })),
  read: (id: number, seq: number) =>
    unwrap(client.POST("/api/v1/chats/{chat_id}/read", { ...chat(id), body: { seq } })),
  labels: (id: number, labels: string[]) =>
    unwrap(client.PUT("/api/v1/chats/{chat_id}/labels", { ...chat(id), body: { labels } })),
  invite: (id: number, user_id: number) =>
    unwrap(client.POST("/api/v1/chats/{chat_id}/invite", { ...chat(id), body: { user_id } })),
  transfer: (id: number, user_id: number) =>
    unwrap(client.POST("/api/v1/chats/{chat_id}/transfer", { ...chat(id), body: { user_id } })),
  leave: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/leave", chat(id))),
  end: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/end", chat(id))),
  blockVisitor: (id: number) => unwrap(client.POST("/api/v1/chats/{chat_id}/block-visitor", chat(id))),
};
