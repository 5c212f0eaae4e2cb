// messenger-fr.js: hands the French words to the messenger that loaded it, with an event on the
// messenger's element (as messenger-proactive.js hands its part). Exports nothing, so the script
// creates no global.
import { fr } from "./i18n-fr";

document
  .querySelector("frontdesk-messenger")
  ?.dispatchEvent(new CustomEvent("fd-words", { detail: ["fr", fr] }));
