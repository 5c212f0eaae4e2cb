import { client, unwrap } from "../api/client";

export const privacyApi = {
  /** A plain link: the browser downloads the zip with the session cookie (a GET needs no CSRF). */
  exportUrl: (customerId: number) => `/api/v1/customers/${customerId}/export`,
  erase: (customerId: number, confirm: string) =>
    unwrap(
      client.POST("/api/v1/customers/{customer_id}/erase", {
        params: { path: { customer_id: customerId } },
        body: { confirm },
      }),
    ),
  /** The latest erasures, newest first: a running one is among them. */
  erasures: () => unwrap(client.GET("/api/v1/erasures", {})),
};
