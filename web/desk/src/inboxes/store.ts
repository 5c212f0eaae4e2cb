import { defineStore } from "pinia";
import { ref } from "vue";
import type { Inbox } from "../api/types";
import { inboxesApi } from "./api";

export const useInboxes = defineStore("inboxes", () => {
  const items = ref<Inbox[]>([]);
  const loaded = ref(false);

  async function load(): Promise<void> {
    items.value = (await inboxesApi.list()) as Inbox[];
    loaded.value = true;
  }

  const byId = (id: number | null | undefined) => items.value.find((inbox) => inbox.id === id);

  return { items, loaded, load, byId };
});
