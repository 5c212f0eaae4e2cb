import type { Words } from "../words";

export const en = {
  attach: "Attach a file or image",
  attachments: "Files",
  uploading: "Uploading {names}…",
  gone: "These files are no longer here: attach them again.",
  open: "Open {name} full size",
  download: "Download {name}",
  drop: "Drop files to send them to the visitor",
  offline: "The connection was lost.",
  tooLarge: "{name} is too large.",
  disguised: "{name} is not what its name says.",
  typeRefused: "{name} is a program or script.",
  unreadable: "{name} could not be read as an image.",
  empty: "{name} is empty.",
  tooManyUploads: "{name} was not sent: too many of your files in this chat were never sent. Send them first, or try again tomorrow.",
} as const;

export const fr: Words<typeof en> = {
  attach: "Joindre un fichier ou une image",
  attachments: "Fichiers",
  uploading: "Envoi de {names}…",
  gone: "Ces fichiers ne sont plus là : joignez-les à nouveau.",
  open: "Ouvrir {name} en grand",
  download: "Télécharger {name}",
  drop: "Déposez des fichiers pour les envoyer au visiteur",
  offline: "La connexion a été perdue.",
  tooLarge: "{name} est trop volumineux.",
  disguised: "{name} n'est pas ce que son nom indique.",
  typeRefused: "{name} est un programme ou un script.",
  unreadable: "{name} n'a pas pu être lu comme une image.",
  empty: "{name} est vide.",
  tooManyUploads: "{name} n'a pas été envoyé : trop de vos fichiers dans ce chat n'ont jamais été envoyés. Envoyez-les d'abord, ou réessayez demain.",
};
