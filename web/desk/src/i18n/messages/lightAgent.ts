import type { Words } from "../words";

// Light agents (role `collaborator`): read tickets, add private notes (docs/desk.md, "Light agents").
export const en = {
  role: "Light agent",
  roles: "Light agents",
  badge: "Light agent",
  noteOnly: "You are a light agent: you can add private notes, which only the team sees. Ask an agent to reply to the customer.",
  roleHint: "Light agent: reads the tickets of their inboxes and adds private notes; never replies, takes chats or is assigned tickets.",
  roleAsk: "{name} will read the tickets of their inboxes and add private notes only: no replies, no chats, no assigned tickets.",
  noChats: "Takes no chats",
} as const;

export const fr: Words<typeof en> = {
  role: "Agent léger",
  roles: "Agents légers",
  badge: "Agent léger",
  noteOnly: "Vous êtes agent léger : vous pouvez ajouter des notes privées, que seule l'équipe voit. Demandez à un agent de répondre au client.",
  roleHint: "Agent léger : lit les tickets de ses boîtes et ajoute des notes privées ; ne répond jamais, ne prend pas de chats et ne reçoit pas de tickets.",
  roleAsk: "{name} lira les tickets de ses boîtes et ajoutera seulement des notes privées : ni réponses, ni chats, ni tickets attribués.",
  noChats: "Ne prend pas de chats",
};
