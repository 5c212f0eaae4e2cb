import { client, unwrap } from "../api/client";
import type { Schemas } from "../api/client";

export const authApi = {
  login: (email: string, password: string) =>
    unwrap(client.POST("/api/v1/auth/login", { body: { email, password } })),
  logout: () => unwrap(client.POST("/api/v1/auth/logout")),
  me: () => unwrap(client.GET("/api/v1/me")),
  updateMe: (body: Schemas["MeUpdate"]) => unwrap(client.PATCH("/api/v1/me", { body })),
  setAvailability: (available: boolean) =>
    unwrap(client.PUT("/api/v1/me/availability", { body: { available } })),
  tokens: () => unwrap(client.GET("/api/v1/me/tokens")),
  createToken: (name: string) => unwrap(client.POST("/api/v1/me/tokens", { body: { name } })),
  revokeToken: (id: number) =>
    unwrap(client.DELETE("/api/v1/me/tokens/{token_id}", { params: { path: { token_id: id } } })),
};
