import type { Words } from "../words";

export const en = {
  merge: "Merge…",
  title: "Merge {n} tickets",
  intro: "Choose the ticket that stays. The others' messages, labels, Cc and files move into it, in time order; they are closed and point to it, and replies to their emails land there. You can undo it for 24 hours.",
  keeps: "Ticket that stays",
  oldest: "oldest",
  otherCustomers: "These tickets are of different customers ({names}): the merged thread will show one customer's mail beside the other's.",
  confirm: "Merge into #{number}",
  confirmOtherCustomers: "Merge anyway into #{number}",
  cancel: "Cancel",
  tooMany: "Merge at most {n} tickets at once.",
  done: "{n} tickets were merged into #{into}.",
} as const;

export const fr: Words<typeof en> = {
  merge: "Fusionner…",
  title: "Fusionner {n} tickets",
  intro: "Choisissez le ticket qui reste. Les messages, libellés, copies et fichiers des autres y passent, dans l'ordre chronologique ; ils sont fermés et renvoient vers lui, et les réponses à leurs e-mails y arrivent. Vous pouvez annuler pendant 24 heures.",
  keeps: "Ticket qui reste",
  oldest: "le plus ancien",
  otherCustomers: "Ces tickets sont de clients différents ({names}) : le fil fusionné montrera le courrier d'un client à côté de celui de l'autre.",
  confirm: "Fusionner dans #{number}",
  confirmOtherCustomers: "Fusionner quand même dans #{number}",
  cancel: "Annuler",
  tooMany: "Fusionnez au plus {n} tickets à la fois.",
  done: "{n} tickets ont été fusionnés dans #{into}.",
};
