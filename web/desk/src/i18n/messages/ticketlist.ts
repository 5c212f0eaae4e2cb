import type { Words } from "../words";

export const en = {
  search: "Search: “{q}”",
  count: { one: "{n} ticket", other: "{n} tickets" },
  loading: "Loading…",
  noMatch: "No ticket matches this search.",
  empty: "Nothing here. Nice work!",
  tickets: "Tickets",
  unassigned: "Unassigned",
  loadMore: "Load more",
  stateOpen: "open",
  stateHold: "hold",
  stateSnoozed: "snoozed",
  stateClosed: "closed",
  typeChat: "chat",
  typeEmail: "email",
  typeWeb: "web",
} as const;

export const fr: Words<typeof en> = {
  search: "Recherche : « {q} »",
  count: { one: "{n} ticket", other: "{n} tickets" },
  loading: "Chargement…",
  noMatch: "Aucun ticket ne correspond à cette recherche.",
  empty: "Rien ici. Beau travail !",
  tickets: "Tickets",
  unassigned: "Non assigné",
  loadMore: "Charger plus",
  stateOpen: "ouvert",
  stateHold: "en attente",
  stateSnoozed: "reporté",
  stateClosed: "fermé",
  typeChat: "chat",
  typeEmail: "e-mail",
  typeWeb: "web",
};
