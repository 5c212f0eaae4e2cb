import type { Words } from "../words";

export const en = {
  folderOpen: "Open",
  folderMine: "Mine",
  folderUnassigned: "Unassigned",
  folderHold: "Hold",
  folderSnoozed: "Snoozed",
  folderClosed: "Closed",
} as const;

export const fr: Words<typeof en> = {
  folderOpen: "Ouverts",
  folderMine: "Les miens",
  folderUnassigned: "Non assignés",
  folderHold: "En attente",
  folderSnoozed: "Reportés",
  folderClosed: "Fermés",
};
