import { client, unwrap, type Schemas } from "../api/client";

export type SavedReply = Schemas["SavedReplyRead"];
export type Insertion = Schemas["SavedReplyInsertion"];
export type Variable = Schemas["VariableRead"];
export interface ReplyQuery {
  q?: string;
  scope?: "all" | "personal" | "team";
  inbox_id?: number;
  sort?: "usage" | "name";
  limit?: number;
}

const path = (id: number) => ({ params: { path: { reply_id: id } } });

export const repliesApi = {
  list: (query: ReplyQuery) => unwrap(client.GET("/api/v1/saved-replies", { params: { query } })),
  variables: () => unwrap(client.GET("/api/v1/saved-replies/variables")),
  create: (body: Schemas["SavedReplyCreate"]) => unwrap(client.POST("/api/v1/saved-replies", { body })),
  update: (id: number, body: Schemas["SavedReplyUpdate"]) =>
    unwrap(client.PATCH("/api/v1/saved-replies/{reply_id}", { ...path(id), body })),
  share: (id: number, inboxId: number) =>
    unwrap(client.POST("/api/v1/saved-replies/{reply_id}/share", { ...path(id), body: { inbox_id: inboxId } })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/saved-replies/{reply_id}", path(id))),
  /** Fills the variables for a chat or ticket and counts one use (once per `use_id`). */
  insert: (id: number, body: Schemas["SavedReplyUseCreate"]) =>
    unwrap(client.POST("/api/v1/saved-replies/{reply_id}/uses", { ...path(id), body })),
};
