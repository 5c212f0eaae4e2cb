import { client, unwrap, type Schemas } from "../api/client";

export type SsoSettings = Schemas["SsoSettingsRead"];
export type SsoSettingsWrite = Schemas["SsoSettingsWrite"];

export const ssoApi = {
  /** What the login page shows; asked before anyone is signed in. */
  loginOptions: () => unwrap(client.GET("/api/v1/auth/sso")),
  settings: () => unwrap(client.GET("/api/v1/sso/settings")),
  save: (body: SsoSettingsWrite) => unwrap(client.PUT("/api/v1/sso/settings", { body })),
  test: (issuer: string) => unwrap(client.POST("/api/v1/sso/settings/test", { body: { issuer } })),
};

/** The browser goes there itself: the provider's page, then back to the desk. */
export const SSO_START = "/api/v1/auth/sso/start";
