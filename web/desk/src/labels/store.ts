import { defineStore } from "pinia";
import { ref } from "vue";
import type { Label } from "../api/types";
import { labelsApi } from "./api";

export const useLabels = defineStore("labels", () => {
  const items = ref<Label[]>([]);
  async function load(): Promise<void> {
    items.value = await labelsApi.list();
  }
  const byName = (name: string) => items.value.find((label) => label.name === name);
  return { items, load, byName };
});
