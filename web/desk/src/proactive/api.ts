import { client, unwrap, type Schemas } from "../api/client";

export type ProactiveMessage = Schemas["ProactiveMessageRead"];
export type ProactiveCreate = Schemas["ProactiveMessageCreate"];
export type ProactiveUpdate = Schemas["ProactiveMessageUpdate"];

const path = (message_id: number) => ({ params: { path: { message_id } } });

export const proactiveApi = {
  list: (inbox_id: number) => unwrap(client.GET("/api/v1/proactive-messages", { params: { query: { inbox_id } } })),
  create: (body: ProactiveCreate) => unwrap(client.POST("/api/v1/proactive-messages", { body })),
  update: (id: number, body: ProactiveUpdate) =>
    unwrap(client.PATCH("/api/v1/proactive-messages/{message_id}", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/proactive-messages/{message_id}", path(id))),
};
