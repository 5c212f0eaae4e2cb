import type { Words } from "../words";

export const en = {
  search: "Search: “{q}”",
  count: { one: "{n} ticket", other: "{n} tickets" },
  loading: "Loading…",
  noMatch: "No ticket matches this search.",
  matchedMessage: "Found in a message of this ticket",
  createdTitle: "When the ticket was created",
  searchHelp: "Best matches first. Words match without accents or case, and by their beginning; an email address (or part of it) finds its customer's tickets, #123 the ticket number 123.",
  empty: "Nothing here. Nice work!",
  tickets: "Tickets",
  unassigned: "Unassigned",
  loadMore: "Load more",
  exportCsv: "Export CSV",
  exportCsvTitle: "Download every ticket of this list, with its filters, as a CSV file",
  typeChat: "Chat",
  typeEmail: "Email",
  typeWeb: "Web",
} as const;

export const fr: Words<typeof en> = {
  search: "Recherche : « {q} »",
  count: { one: "{n} ticket", other: "{n} tickets" },
  loading: "Chargement…",
  noMatch: "Aucun ticket ne correspond à cette recherche.",
  matchedMessage: "Trouvé dans un message de ce ticket",
  createdTitle: "Date de création du ticket",
  searchHelp: "Les meilleurs résultats d'abord. Les mots se trouvent sans tenir compte des accents ni des majuscules, et par leur début ; une adresse e-mail (ou une partie) trouve les tickets de son client, #123 le ticket numéro 123.",
  empty: "Rien ici. Beau travail !",
  tickets: "Tickets",
  unassigned: "Non assigné",
  loadMore: "Charger plus",
  exportCsv: "Exporter en CSV",
  exportCsvTitle: "Télécharger tous les tickets de cette liste, avec ses filtres, dans un fichier CSV",
  typeChat: "Chat",
  typeEmail: "E-mail",
  typeWeb: "Web",
};
