/** Short names for the shapes of the OpenAPI document. */
import type { Schemas } from "./client";

export type Me = Schemas["MeRead"];
export type User = Schemas["UserRead"];
export type Inbox = Schemas["InboxRead"] & { identity_secret?: string | null };
export type Label = Schemas["LabelRead"];
export type Customer = Schemas["CustomerRead"];
export type Ticket = Schemas["TicketRead"];
/** A piece of text a search returned, `match` when it is what the search matched. */
export type TextPart = Schemas["TextPart"];
export type TicketDetail = Schemas["TicketDetail"];
export type TicketCounts = Schemas["TicketCounts"];
export type Entry = Schemas["EntryRead"];
export type TicketState = Schemas["TicketState"];
export type BarItem = Schemas["BarItemRead"];
export type ChatSummary = Schemas["ChatSummary"];
export type ChatDetail = Schemas["ChatDetail"];
export type ChatEvent = Schemas["ChatEventRead"];
export type OngoingChat = Schemas["OngoingChat"];
export type AgentLoad = Schemas["AgentAvailability"];
export type ApiToken = Schemas["ApiTokenRead"];
export type Outbox = Schemas["OutboxRead"];
export type Mailbox = Schemas["MailboxRead"];
