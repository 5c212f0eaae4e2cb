// messenger-proactive.js: hands proactive.ts to the messenger that loaded it, with an event on
// the messenger's element. Exports nothing, so the script creates no global.
import { start } from "./proactive";

document
  .querySelector("frontdesk-messenger")
  ?.dispatchEvent(new CustomEvent("fd-proactive", { detail: start }));
