import type { Words } from "../words";

export const en = {
  // who else is on the ticket
  othersHere: "Also on this ticket",
  viewing: "{name} is viewing",
  writingReply: "{name} is writing a reply…",
  writingNote: "{name} is writing a note…",

  // the reply box, when the thread moved on
  newSince: { one: "A new message arrived while you were writing:", other: "{n} new messages arrived while you were writing:" },
  staleRefused: "Not sent: the conversation moved on since you started writing. Read what is new, then send anyway or change your reply.",
  customerWrote: "{name} wrote",
  agentReplied: "{name} replied",
  agentNoted: "{name} added a note",
  chatTranscript: "A chat transcript",
  threadChanged: "The thread changed",
  gotIt: "Got it",
  sendAnyway: "Send anyway",

  // merge
  merge: "Merge…",
  mergeTitle: "Merge #{number} into another ticket",
  mergeIntro: "This ticket's messages, labels, Cc and files move into the ticket you choose, in time order. This ticket is closed and points there; replies to its emails land there. You can undo it for 24 hours.",
  searchTickets: "Find a ticket by number, subject or customer",
  sameCustomer: "Other tickets of this customer",
  results: "Tickets found",
  noTickets: "No other ticket found.",
  otherCustomer: "#{number} is of another customer ({name}). Merging shows both customers' messages in one thread.",
  confirmOtherCustomer: "Merge anyway",
  mergeInto: "Merge into #{number}",
  cancel: "Cancel",
  mergedInto: "This ticket was merged into",
  mergedToast: "#{from} was merged into #{into}.",
  openTicket: "Open #{number}",
  undo: "Undo",
  undone: "Undone.",
  close: "Close",

  // split
  split: "Split…",
  splitTitle: "Move this message into a new ticket",
  splitLater: "Also move the messages after it",
  splitConfirm: "Split into a new ticket",
  splitToast: "Moved into the new ticket #{number}.",
} as const;

export const fr: Words<typeof en> = {
  othersHere: "Aussi sur ce ticket",
  viewing: "{name} consulte",
  writingReply: "{name} écrit une réponse…",
  writingNote: "{name} écrit une note…",

  newSince: { one: "Un nouveau message est arrivé pendant que vous écriviez :", other: "{n} nouveaux messages sont arrivés pendant que vous écriviez :" },
  staleRefused: "Non envoyé : la conversation a avancé depuis que vous avez commencé à écrire. Lisez ce qui est nouveau, puis envoyez quand même ou modifiez votre réponse.",
  customerWrote: "{name} a écrit",
  agentReplied: "{name} a répondu",
  agentNoted: "{name} a ajouté une note",
  chatTranscript: "Une transcription de chat",
  threadChanged: "Le fil a changé",
  gotIt: "Compris",
  sendAnyway: "Envoyer quand même",

  merge: "Fusionner…",
  mergeTitle: "Fusionner #{number} dans un autre ticket",
  mergeIntro: "Les messages, libellés, copies et fichiers de ce ticket passent dans le ticket choisi, dans l'ordre chronologique. Ce ticket est fermé et renvoie vers l'autre ; les réponses à ses e-mails y arrivent. Vous pouvez annuler pendant 24 heures.",
  searchTickets: "Chercher un ticket par numéro, sujet ou client",
  sameCustomer: "Autres tickets de ce client",
  results: "Tickets trouvés",
  noTickets: "Aucun autre ticket trouvé.",
  otherCustomer: "#{number} est d'un autre client ({name}). La fusion montre les messages des deux clients dans un même fil.",
  confirmOtherCustomer: "Fusionner quand même",
  mergeInto: "Fusionner dans #{number}",
  cancel: "Annuler",
  mergedInto: "Ce ticket a été fusionné dans",
  mergedToast: "#{from} a été fusionné dans #{into}.",
  openTicket: "Ouvrir #{number}",
  undo: "Annuler",
  undone: "Annulé.",
  close: "Fermer",

  split: "Scinder…",
  splitTitle: "Déplacer ce message dans un nouveau ticket",
  splitLater: "Déplacer aussi les messages suivants",
  splitConfirm: "Scinder dans un nouveau ticket",
  splitToast: "Déplacé dans le nouveau ticket #{number}.",
};
