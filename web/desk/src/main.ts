import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { languageSettled } from "./i18n";
import { router } from "./router";
import "./styles.css";

const app = createApp(App).use(createPinia()).use(router);
// The first render waits for the first page and for the agent's language: the first navigation
// asks the server who is signed in (router.ts), and with the answer comes their language, whose
// words may still be on their way (i18n/index.ts). Mounted at once, a French agent's desk would
// show in English for a moment. A failed navigation is the router's to report: the desk mounts
// all the same, as it did before it waited.
router
  .isReady()
  .catch(() => undefined)
  .then(languageSettled)
  .finally(() => app.mount("#app"));
