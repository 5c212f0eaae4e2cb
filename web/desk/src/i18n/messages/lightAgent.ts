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
  // An admin changed the role of the signed-in user while their desk was open.
  nowLight: "An admin made you a light agent: you read the tickets of your inboxes and add private notes; replies, chats and changes are for agents.",
  nowAgent: "An admin made you an agent: you reply to customers, take chats and are assigned tickets.",
  nowAdmin: "An admin made you an admin: Settings is in the menu.",
  nowOwner: "An owner made you an owner: Settings is in the menu.",
  pageClosed: "The page you were on is not open to your new role, so the desk took you to one that is.",
  // Shown to a light agent where an agent is invited to add something (checklist, links…).
  noChecklist: "No checklist items.",
  noLinks: "No linked tickets.",
  noSideConversations: "No side conversations.",
  claimed: "The visitor typed {email}, which belongs to {owner}. Nothing shows they are that customer: an agent can merge them if sure.",
} as const;

export const fr: Words<typeof en> = {
  role: "Agent léger",
  roles: "Agents légers",
  badge: "Agent léger",
  noteOnly: "Vous êtes agent léger : vous pouvez ajouter des notes privées, que seule l'équipe voit. Demandez à un agent de répondre au client.",
  roleHint: "Agent léger : lit les tickets de ses boîtes et ajoute des notes privées ; ne répond jamais, ne prend pas de chats et ne reçoit pas de tickets.",
  roleAsk: "{name} lira les tickets de ses boîtes et ajoutera seulement des notes privées : ni réponses, ni chats, ni tickets attribués.",
  noChats: "Ne prend pas de chats",
  nowLight: "Un admin a fait de vous un agent léger : vous lisez les tickets de vos boîtes et ajoutez des notes privées ; réponses, chats et modifications reviennent aux agents.",
  nowAgent: "Un admin a fait de vous un agent : vous répondez aux clients, prenez des chats et recevez des tickets.",
  nowAdmin: "Un admin a fait de vous un admin : Paramètres est dans le menu.",
  nowOwner: "Un propriétaire a fait de vous un propriétaire : Paramètres est dans le menu.",
  pageClosed: "La page où vous étiez n'est pas ouverte à votre nouveau rôle : le bureau vous a mené à une page qui l'est.",
  noChecklist: "Aucune tâche.",
  noLinks: "Aucun ticket lié.",
  noSideConversations: "Aucune conversation annexe.",
  claimed: "Le visiteur a saisi {email}, qui appartient à {owner}. Rien ne prouve qu'il s'agit de ce client : un agent peut les fusionner s'il en est sûr.",
};
