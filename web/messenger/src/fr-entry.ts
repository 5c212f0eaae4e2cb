// messenger-fr.js: hands the French words to the messenger that loaded it, with an event on the
// messenger's element (as messenger-proactive.js hands its part), and the way to draw it again in
// them when they come late (redraw.ts). Exports nothing, so the script creates no global.
import { fr } from "./i18n-fr";
import { redraw } from "./redraw";

document
  .querySelector("frontdesk-messenger")
  ?.dispatchEvent(new CustomEvent("fd-words", { detail: ["fr", fr, redraw] }));
