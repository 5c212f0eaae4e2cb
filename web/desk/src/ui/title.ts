/** The page title: "(2) Tickets · frontdesk" — the count is the number of incoming chats. */
import { ref, watchEffect } from "vue";

export const pageName = ref("");
export const incomingCount = ref(0);

watchEffect(() => {
  const base = pageName.value ? `${pageName.value} · frontdesk` : "frontdesk";
  document.title = incomingCount.value ? `(${incomingCount.value}) ${base}` : base;
});
