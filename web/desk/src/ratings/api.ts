import { client, unwrap, type Schemas } from "../api/client";

export type Rating = Schemas["RatingRead"];

export const ratingsApi = {
  ofTicket: (ticket_id: number) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}/ratings", { params: { path: { ticket_id } } })),
  ofCustomer: (customer_id: number) =>
    unwrap(client.GET("/api/v1/ratings", { params: { query: { customer_id, limit: 200 } } })),
};
