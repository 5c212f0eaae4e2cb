import { client, unwrap, type Schemas } from "../api/client";

export const usersApi = {
  list: () => unwrap(client.GET("/api/v1/users")),
  create: (body: Schemas["UserCreate"]) => unwrap(client.POST("/api/v1/users", { body })),
  update: (id: number, body: Schemas["UserUpdate"]) =>
    unwrap(client.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
};
