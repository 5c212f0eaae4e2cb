import type { Words } from "../words";

export const en = {
  title: "Log in to your desk",
  email: "Email",
  password: "Password",
  logIn: "Log in",
  loggingIn: "Logging in…",
} as const;

export const fr: Words<typeof en> = {
  title: "Connexion à votre desk",
  email: "E-mail",
  password: "Mot de passe",
  logIn: "Se connecter",
  loggingIn: "Connexion…",
};
