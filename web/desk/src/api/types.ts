/** Short names for the shapes of the OpenAPI document. */
import type { Schemas } from "./client";

export type Me = Schemas["MeRead"];
/** A user in full: what admins and owners get of everyone, and anyone of themselves. */
export type User = Schemas["UserRead"];
/** What an agent gets of the other users (docs/security.md, "What agents see of other users"). */
export type Colleague = Schemas["ColleagueRead"];
export type Person = User | Colleague;
/** The API sent this user in full (the viewer is an admin, or it is themselves). */
export const inFull = (person: Person): person is User => "email" in person;
export type Inbox = Schemas["InboxRead"] & { identity_secret?: string | null };
export type Label = Schemas["LabelRead"];
export type CustomField = Schemas["CustomFieldRead"];
export type Customer = Schemas["CustomerRead"];
export type Ticket = Schemas["TicketRead"];
/** A ticket as the list shows it: the ticket, and what only the list's rows carry. */
export type TicketRow = Schemas["TicketRowRead"];
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
