import type { Words } from "../words";

export const en = {
  hint: "Sent by email, signed by the inbox (its name and address), never by an agent: {{agent.name}} only with a fallback, {{agent.name|our team}}. A variable the ticket has no value for needs one too ({{customer.first_name|there}}), or the rule sends nothing. At most 5 automatic replies a ticket a day. Only team saved replies. It does not count as a response: the customer still waits for an agent.",
  noTeamReplies: "No team saved reply yet: create one in Saved replies and share it with an inbox.",
  author: "frontdesk · rule “{name}”",
  system: "frontdesk",
  badge: "Automatic",
};

export const fr: Words<typeof en> = {
  hint: "Envoyée par e-mail, signée par la boîte (son nom et son adresse), jamais par un agent : {{agent.name}} seulement avec une valeur de repli, {{agent.name|notre équipe}}. Une variable sans valeur pour le ticket en demande une aussi ({{customer.first_name|there}}), sinon la règle n'envoie rien. Au plus 5 réponses automatiques par ticket et par jour. Réponses enregistrées d'équipe uniquement. Elle ne compte pas comme une réponse : le client attend toujours un agent.",
  noTeamReplies: "Aucune réponse enregistrée d'équipe : créez-en une dans Réponses enregistrées et partagez-la avec une boîte.",
  author: "frontdesk · règle « {name} »",
  system: "frontdesk",
  badge: "Automatique",
};
