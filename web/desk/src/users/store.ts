import { defineStore } from "pinia";
import { ref } from "vue";
import type { User } from "../api/types";
import { t } from "../i18n";
import { usersApi } from "./api";

/** Colleagues: names for assignees, participants and authors. */
export const useUsers = defineStore("users", () => {
  const items = ref<User[]>([]);
  async function load(): Promise<void> {
    items.value = await usersApi.list();
  }
  const name = (id: number | null | undefined) =>
    items.value.find((user) => user.id === id)?.name ?? (id == null ? "" : t("common.userNumber", { id }));
  return { items, load, name };
});
