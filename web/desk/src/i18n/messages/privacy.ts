import type { Words } from "../words";

export const en = {
  heading: "Data rights",
  export: "Export data",
  exportHint: "A zip of everything about this customer: tickets, chats, emails and files.",
  erase: "Erase customer…",
  eraseTitle: "Erase {name}?",
  eraseIntro:
    "This deletes the customer and everything about them for good: their tickets, chats, emails, files and ratings. It cannot be undone. Only a record that an erasure happened is kept, without their name or address.",
  confirmEmail: "Type one of their addresses to confirm ({email})",
  confirmName: "Type their name to confirm ({name})",
  confirmId: "Type their customer number to confirm ({id})",
  cancel: "Cancel",
  eraseNow: "Erase for good",
  erasing: "Erasing…",
  retention: "Delete closed tickets after",
  retentionHint: "Closed tickets of this inbox are deleted with their messages, emails and files this many days after closing. Empty: kept forever.",
  days: "days",
} as const;

export const fr: Words<typeof en> = {
  heading: "Droits sur les données",
  export: "Exporter les données",
  exportHint: "Un zip de tout ce qui concerne ce client : tickets, chats, e-mails et fichiers.",
  erase: "Effacer le client…",
  eraseTitle: "Effacer {name} ?",
  eraseIntro:
    "Le client et tout ce qui le concerne sont supprimés définitivement : ses tickets, chats, e-mails, fichiers et évaluations. C'est irréversible. Seule une trace de l'effacement est conservée, sans son nom ni son adresse.",
  confirmEmail: "Saisissez l'une de ses adresses pour confirmer ({email})",
  confirmName: "Saisissez son nom pour confirmer ({name})",
  confirmId: "Saisissez son numéro de client pour confirmer ({id})",
  cancel: "Annuler",
  eraseNow: "Effacer définitivement",
  erasing: "Effacement…",
  retention: "Supprimer les tickets fermés après",
  retentionHint: "Les tickets fermés de cette boîte sont supprimés avec leurs messages, e-mails et fichiers ce nombre de jours après leur fermeture. Vide : conservés indéfiniment.",
  days: "jours",
} as const;
