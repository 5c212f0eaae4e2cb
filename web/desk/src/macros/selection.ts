/**
 * The tickets selected in the list for a bulk action: a click toggles one, shift-click selects
 * the range from the last one clicked, the head's box selects every ticket on screen. The
 * selection is cleared when the list shows other tickets (another folder, another search).
 */
import { defineStore } from "pinia";
import { computed, ref } from "vue";

export const MAX_BULK = 100;

export const useSelection = defineStore("ticket-selection", () => {
  const page = ref<number[]>([]);
  const selected = ref<number[]>([]);
  let anchor: number | null = null;

  function show(ids: number[]): void {
    page.value = ids;
    selected.value = selected.value.filter((id) => ids.includes(id));
  }
  function toggle(id: number, range: boolean): void {
    const on = !selected.value.includes(id);
    const ids = range && anchor != null ? between(anchor, id) : [id];
    const set = new Set(selected.value);
    for (const each of ids) {
      if (on) set.add(each);
      else set.delete(each);
    }
    selected.value = page.value.filter((each) => set.has(each));
    anchor = id;
  }
  function between(from: number, to: number): number[] {
    const a = page.value.indexOf(from);
    const b = page.value.indexOf(to);
    if (a < 0 || b < 0) return [to];
    return page.value.slice(Math.min(a, b), Math.max(a, b) + 1);
  }
  const all = computed(() => page.value.length > 0 && page.value.every((id) => selected.value.includes(id)));
  function selectAll(on: boolean): void {
    selected.value = on ? [...page.value] : [];
    anchor = null;
  }
  function clear(): void {
    selected.value = [];
    anchor = null;
  }
  const has = (id: number) => selected.value.includes(id);
  return { page, selected, all, show, toggle, selectAll, clear, has };
});
