import { client, unwrap } from "../api/client";

export const mailApi = {
  outbox: (offset = 0) => unwrap(client.GET("/api/v1/outbox", { params: { query: { limit: 50, offset } } })),
};
