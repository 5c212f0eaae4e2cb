import type { Words } from "../words";

export const en = {
  title: "Auto-assignment",
  intro:
    "frontdesk can hand new and unanswered tickets of this inbox to its members itself: only to members who are online, only while the inbox is open by its business hours, and never beyond the limit below.",
  mode: "How tickets are assigned",
  mode_off: "Off",
  mode_off_hint: "Agents take tickets themselves.",
  mode_balanced: "Balanced",
  mode_balanced_hint: "To the online member with the fewest open tickets of this inbox.",
  mode_round_robin: "Round robin",
  mode_round_robin_hint: "To each online member in turn.",
  limit: "Open tickets per agent",
  limitHint: "An agent with this many open tickets of this inbox receives no more until one is put on hold, snoozed or closed.",
  reassign: "Reassign untouched tickets",
  reassignHint:
    "A ticket its assignee has neither replied to nor noted on goes to someone else after this long (business hours only). An agent who goes offline hands their untouched tickets back at once.",
  minutes: "Minutes",
  chats:
    "Chats still wait for an agent to join. A chat nobody joins within the inbox's unanswered timeout becomes an open ticket, assigned like the others.",
  save: "Save auto-assignment",
};

export const fr: Words<typeof en> = {
  title: "Attribution automatique",
  intro:
    "frontdesk peut confier lui-même les tickets nouveaux ou sans réponse de cette boîte à ses membres : seulement aux membres en ligne, seulement pendant les horaires d'ouverture, et jamais au-delà de la limite ci-dessous.",
  mode: "Comment les tickets sont attribués",
  mode_off: "Désactivée",
  mode_off_hint: "Les agents prennent les tickets eux-mêmes.",
  mode_balanced: "Équilibrée",
  mode_balanced_hint: "Au membre en ligne qui a le moins de tickets ouverts de cette boîte.",
  mode_round_robin: "À tour de rôle",
  mode_round_robin_hint: "À chaque membre en ligne, l'un après l'autre.",
  limit: "Tickets ouverts par agent",
  limitHint: "Un agent qui a autant de tickets ouverts de cette boîte n'en reçoit plus tant qu'aucun n'est mis en attente, reporté ou fermé.",
  reassign: "Réattribuer les tickets non traités",
  reassignHint:
    "Un ticket auquel son agent n'a ni répondu ni ajouté de note passe à quelqu'un d'autre après ce délai (heures d'ouverture seulement). Un agent qui se déconnecte rend aussitôt ses tickets non traités.",
  minutes: "Minutes",
  chats:
    "Les chats attendent toujours qu'un agent les rejoigne. Un chat que personne ne rejoint avant le délai sans réponse de la boîte devient un ticket ouvert, attribué comme les autres.",
  save: "Enregistrer l'attribution automatique",
};
