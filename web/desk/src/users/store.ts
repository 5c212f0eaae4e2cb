import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { inFull, type Person } from "../api/types";
import { t } from "../i18n";
import type { OutOfOffice } from "../outOfOffice/api";
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
  /** A colleague's absence, now or to come (docs/desk.md, "Out of office"). */
  const outOfOffice = (id: number | null | undefined): OutOfOffice | null =>
    items.value.find((user) => user.id === id)?.out_of_office ?? null;
  /** From an agent.out_of_office_changed event or a change made here: pickers follow at once. */
  function outOfOfficeChanged(id: number, away: OutOfOffice | null): void {
    items.value = items.value.map((user) => (user.id === id ? { ...user, out_of_office: away } : user));
  }
  return { items, full, load, name, outOfOffice, outOfOfficeChanged };
});
