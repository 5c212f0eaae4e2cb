import type { Words } from "../words";

export const en = {
  section: "Linked tickets",
  none: "No linked tickets: link one about the same thing.",
  search: "Link a ticket",
  searchPlaceholder: "Ticket number or subject",
  results: "Tickets to link",
  noResults: "No ticket found.",
  itself: "A ticket cannot be linked to itself.",
  linkThis: "Link #{number}",
  unlink: "Unlink",
  unlinkLabel: "Unlink #{number}",
  hidden: "#{number} — in an inbox you are not in",
};

export const fr: Words<typeof en> = {
  section: "Tickets liés",
  none: "Aucun ticket lié : liez-en un qui traite du même sujet.",
  search: "Lier un ticket",
  searchPlaceholder: "Numéro ou objet du ticket",
  results: "Tickets à lier",
  noResults: "Aucun ticket trouvé.",
  itself: "Un ticket ne peut pas être lié à lui-même.",
  linkThis: "Lier #{number}",
  unlink: "Délier",
  unlinkLabel: "Délier #{number}",
  hidden: "#{number} — dans une boîte dont vous n'êtes pas membre",
};
