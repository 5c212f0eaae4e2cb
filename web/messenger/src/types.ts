// What the visitor API (/messenger/v1 and its socket, docs/realtime.md) sends the messenger.

import type { Json } from "./net";

export interface Envelope {
  type: string;
  chat_id: number | null;
  seq: number | null;
  /** When the server stored it. */
  at?: string;
  data: Json;
}

export interface ChatRead {
  id: number;
  state: string;
  /** The chat has the visitor's email address: an answer can come by email. */
  reply_by_email?: boolean;
  last_seq: number;
  events: Envelope[];
}

export interface Status {
  online: boolean;
  inbox_name: string;
  settings: Record<string, string>;
  /** Business hours and who is free (docs/messenger.md, "Online, away, closed"). */
  state?: "online" | "away" | "closed";
  next_opening_at?: string | null;
  away_message?: string;
  chat_id: number | null;
  chat_state: string | null;
  queue_position: number | null;
  estimated_wait_seconds: number | null;
  /** How long the visitor's waiting chat has waited so far. */
  waited_seconds?: number | null;
  /** The inbox has proactive messages: load them (proactive.ts). */
  proactive?: boolean;
  /** The inbox shows its visitors to agents: report the visit (visits.ts). */
  visitors?: boolean;
}

export interface Message {
  author: { kind: string; name: string };
  text: string;
  client_msg_id: string | null;
  created_at?: string;
}

export interface User {
  id: number;
  name: string;
}
