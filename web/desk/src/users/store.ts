import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { inFull, type Person } from "../api/types";
import { t } from "../i18n";
import { usersApi } from "./api";

/** Colleagues: names for assignees, participants and authors. */
export const useUsers = defineStore("users", () => {
  const items = ref<Person[]>([]);
  // What admins see of everyone: the users' settings, the audit log's filter.
  const full = computed(() => items.value.filter(inFull));
  async function load(): Promise<void> {
    items.value = await usersApi.list();
  }
  const name = (id: number | null | undefined) =>
    items.value.find((user) => user.id === id)?.name ?? (id == null ? "" : t("common.userNumber", { id }));
  return { items, full, load, name };
});
