import { client, unwrap } from "../api/client";
import type { Schemas } from "../api/client";

export const authApi = {
  login: (email: string, password: string) =>
    unwrap(client.POST("/api/v1/auth/login", { body: { email, password } })),
  loginCode: (challenge: string, code: string) =>
    unwrap(client.POST("/api/v1/auth/login/2fa", { body: { challenge, code } })),
  logout: () => unwrap(client.POST("/api/v1/auth/logout")),
  me: () => unwrap(client.GET("/api/v1/me")),
  updateMe: (body: Schemas["MeUpdate"]) => unwrap(client.PATCH("/api/v1/me", { body })),
  setAvailability: (available: boolean) =>
    unwrap(client.PUT("/api/v1/me/availability", { body: { available } })),
  tokens: () => unwrap(client.GET("/api/v1/me/tokens")),
  createToken: (body: Schemas["ApiTokenCreate"]) => unwrap(client.POST("/api/v1/me/tokens", { body })),
  revokeToken: (id: number) =>
    unwrap(client.DELETE("/api/v1/me/tokens/{token_id}", { params: { path: { token_id: id } } })),
  twoFactor: () => unwrap(client.GET("/api/v1/me/two-factor")),
  startTwoFactor: () => unwrap(client.POST("/api/v1/me/two-factor/setup")),
  confirmTwoFactor: (code: string, password: string | null) =>
    unwrap(client.POST("/api/v1/me/two-factor/confirm", { body: { code, password } })),
  newRecoveryCodes: (code: string) =>
    unwrap(client.POST("/api/v1/me/two-factor/recovery-codes", { body: { code } })),
  disableTwoFactor: (password: string, code: string) =>
    unwrap(client.POST("/api/v1/me/two-factor/disable", { body: { password, code } })),
  resetTwoFactor: (userId: number) =>
    unwrap(client.DELETE("/api/v1/users/{user_id}/two-factor", { params: { path: { user_id: userId } } })),
  security: () => unwrap(client.GET("/api/v1/security")),
  setSecurity: (body: Schemas["SecurityPolicyUpdate"]) => unwrap(client.PUT("/api/v1/security", { body })),
};
