import { client, unwrap, type Schemas } from "../api/client";

export type Block = Schemas["Block"];
export type BlockedSender = Schemas["BlockedSenderRead"];
export type BlockedVisitor = Schemas["BlockedVisitorRead"];
export interface BlockedQuery {
  q?: string;
  cursor?: string;
  limit?: number;
}
const ticket = (ticket_id: number) => ({ params: { path: { ticket_id } } });

export const spamApi = {
  mark: (id: number, block: Block) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/spam", { ...ticket(id), body: { block } })),
  unmark: (id: number) => unwrap(client.POST("/api/v1/tickets/{ticket_id}/not-spam", ticket(id))),
  markMany: (ticket_ids: number[], block: Block) =>
    unwrap(client.POST("/api/v1/tickets/spam", { body: { ticket_ids, block } })),
  unmarkMany: (ticket_ids: number[]) => unwrap(client.POST("/api/v1/tickets/not-spam", { body: { ticket_ids } })),
  blocked: (query: BlockedQuery) => unwrap(client.GET("/api/v1/blocked-senders", { params: { query } })),
  block: (pattern: string) => unwrap(client.POST("/api/v1/blocked-senders", { body: { pattern } })),
  unblock: (id: number) =>
    unwrap(client.DELETE("/api/v1/blocked-senders/{blocked_id}", { params: { path: { blocked_id: id } } })),
  blockedVisitors: () => unwrap(client.GET("/api/v1/blocked-visitors")),
  unblockVisitor: (id: number) =>
    unwrap(client.DELETE("/api/v1/blocked-visitors/{blocked_id}", { params: { path: { blocked_id: id } } })),
};

/** The domain part of an address, with its @: "cora@example.org" → "@example.org". */
export const domainOf = (address: string): string => "@" + address.slice(address.lastIndexOf("@") + 1);

/** When a ticket marked spam at `spamAt` is deleted, as an ISO string: `days` after it (the
 * server's FRONTDESK_SPAM_RETENTION_DAYS, from /me); null when spam is kept (0) or unknown. */
export function deletionOf(spamAt: string | null | undefined, days: number | undefined): string | null {
  if (!spamAt || !days) return null;
  return new Date(new Date(spamAt).getTime() + days * 86_400_000).toISOString();
}
