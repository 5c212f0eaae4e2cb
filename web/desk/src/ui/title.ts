/** The page title: "(2) Tickets · frontdesk" — the count is the number of incoming chats. */
import { ref, watchEffect } from "vue";
import { t, type Key } from "../i18n";

/** The route's name for the page, a word of the catalogues (router.ts, meta.title). */
export const pageKey = ref<Key | null>(null);
/** A page's own name when it has one, such as a ticket's number and subject. */
export const pageName = ref("");
export const incomingCount = ref(0);

watchEffect(() => {
  // t() reads the agent's language: the title follows a change of language at once.
  const name = pageName.value || (pageKey.value ? t(pageKey.value) : "");
  const base = name ? `${name} · frontdesk` : "frontdesk";
  document.title = incomingCount.value ? `(${incomingCount.value}) ${base}` : base;
});
