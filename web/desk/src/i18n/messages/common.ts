import type { Words } from "../words";

export const en = {
  mainNav: "Main",
  chats: "Chats",
  waitingCount: "{n} waiting",
  preferences: "Preferences",
  settings: "Settings",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  enableSound: "Enable sound",
} as const;

export const fr: Words<typeof en> = {
  mainNav: "Navigation principale",
  chats: "Chats",
  waitingCount: "{n} en attente",
  preferences: "Préférences",
  settings: "Paramètres",
  connecting: "Connexion…",
  reconnecting: "Reconnexion…",
  enableSound: "Activer le son",
};
