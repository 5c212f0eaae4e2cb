import type { Words } from "../words";

export const en = {
  drop: "Drop files to attach them to the reply",
  uploading: "Uploading {name}…",
  retrying: "Connection lost — retrying {name}…",
  offline: "The connection was lost.",
  // A file's size, wherever the desk shows one (ui/format.ts formatSize).
  bytes: "{size} B",
  kilobytes: "{size} KB",
  megabytes: "{size} MB",
} as const;

export const fr: Words<typeof en> = {
  drop: "Déposez des fichiers pour les joindre à la réponse",
  uploading: "Envoi de {name}…",
  retrying: "Connexion perdue — nouvel essai pour {name}…",
  offline: "La connexion a été perdue.",
  bytes: "{size} o",
  kilobytes: "{size} Ko",
  megabytes: "{size} Mo",
};
