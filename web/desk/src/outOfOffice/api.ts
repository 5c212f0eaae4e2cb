import { client, unwrap, type Schemas } from "../api/client";

export type OutOfOffice = Schemas["OutOfOfficeRead"];
export type OutOfOfficeSet = Schemas["OutOfOfficeSet"];

/** Out of office (docs/desk.md, "Out of office"): `userId` null for my own, a number for an
 * admin setting someone else's. */
export const outOfOfficeApi = {
  set: (userId: number | null, body: OutOfOfficeSet) =>
    userId === null
      ? unwrap(client.PUT("/api/v1/me/out-of-office", { body }))
      : unwrap(client.PUT("/api/v1/users/{user_id}/out-of-office", { params: { path: { user_id: userId } }, body })),
  end: (userId: number | null) =>
    userId === null
      ? unwrap(client.DELETE("/api/v1/me/out-of-office"))
      : unwrap(client.DELETE("/api/v1/users/{user_id}/out-of-office", { params: { path: { user_id: userId } } })),
};
