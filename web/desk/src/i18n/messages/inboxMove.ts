import type { Words } from "../words";

export const en = {
  inbox: "Inbox",
  title: "Move #{number} to {inbox}?",
  unassigns: "{name} is not a member of {inbox}, so moving it unassigns the ticket. {inbox}'s agents see it from now on.",
  confirm: "Move and unassign",
  moved: "Moved to {inbox}.",
  awayTitle: "This ticket moved to another inbox",
  awayText: "Ticket #{number} was moved to an inbox you are not a member of, so it is no longer yours to see. Its new team has it.",
  back: "Back to tickets",
  notFoundTitle: "This ticket is not here for you",
  notFoundText: "It was deleted, or it is in an inbox you are not a member of (moved there, or it always was). Ask its team if you need it.",
  bulk: "Move to inbox",
  doMove: "Move to {inbox}",
  macroField: "Move to inbox",
  noMove: "Do not move",
} as const;

export const fr: Words<typeof en> = {
  inbox: "Boîte de réception",
  title: "Déplacer #{number} vers {inbox} ?",
  unassigns: "{name} n'est pas membre de {inbox} : le déplacement retire l'attribution du ticket. Les agents de {inbox} le voient désormais.",
  confirm: "Déplacer et retirer l'attribution",
  moved: "Déplacé vers {inbox}.",
  awayTitle: "Ce ticket a changé de boîte",
  awayText: "Le ticket #{number} a été déplacé vers une boîte dont vous n'êtes pas membre : vous ne le voyez plus. Sa nouvelle équipe s'en occupe.",
  back: "Retour aux tickets",
  notFoundTitle: "Ce ticket n'est pas là pour vous",
  notFoundText: "Il a été supprimé, ou il est dans une boîte dont vous n'êtes pas membre (déplacé là, ou il y a toujours été). Demandez à son équipe si vous en avez besoin.",
  bulk: "Déplacer vers une boîte",
  doMove: "Déplacer vers {inbox}",
  macroField: "Déplacer vers la boîte",
  noMove: "Ne pas déplacer",
};
