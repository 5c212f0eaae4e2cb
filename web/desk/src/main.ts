import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { languageSettled, onWordsFailed } from "./i18n";
import { router } from "./router";
import { isChunkFailure, recover, unreachable } from "./ui/release";
import "./styles.css";

const app = createApp(App).use(createPinia()).use(router);

// A page or the French words that cannot be fetched: a new version of the desk may have replaced
// them (ui/release.ts). A page the network kept away says so above the desk (App.vue).
router.onError((error: unknown, to) => {
  if (!isChunkFailure(error)) return;
  void recover(to.fullPath).then((reloading) => {
    if (!reloading) unreachable.value = to.fullPath;
  });
});
router.afterEach((_to, _from, failure) => {
  if (!failure) unreachable.value = null;
});
onWordsFailed((error) => {
  if (isChunkFailure(error)) void recover(window.location.pathname + window.location.search + window.location.hash);
});
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
