import { nextTick, ref, type Ref } from "vue";

/**
 * A list's Delete that asks first in its row, and where the keyboard focus goes (WCAG 2.4.3: it
 * never falls to the page). Each row carries `data-row-id="<id>"`; its Delete button
 * `data-action="delete"`, the question's Cancel `data-action="cancel"`.
 *
 * - `ask(id)`: the row asks, the focus on Cancel (so Enter or Esc delete nothing);
 * - `keep(id)`: Cancel or Esc, the focus back on the row's Delete;
 * - `remove(id, items, work)`: `work` deletes and reloads the list (and says what went wrong);
 *   then the focus goes to the Delete of the row that took its place, else of the one above,
 *   else to `fallback()` (the list's add field or New button, else its heading). When the row
 *   is still there (the deletion failed), to its own Delete.
 */
export function useInlineDelete(list: Ref<HTMLElement | null>, fallback: () => HTMLElement | null | undefined) {
  /** The id of the row whose Delete asks "Delete …?". */
  const confirming = ref<number | null>(null);

  async function focusRow(id: number | undefined, which: "delete" | "cancel"): Promise<void> {
    await nextTick();
    const row = id == null ? null : list.value?.querySelector(`[data-row-id="${id}"]`);
    (row?.querySelector<HTMLElement>(`[data-action="${which}"]`) ?? fallback())?.focus();
  }
  function ask(id: number): void {
    confirming.value = id;
    void focusRow(id, "cancel");
  }
  function keep(id: number): void {
    confirming.value = null;
    void focusRow(id, "delete");
  }
  async function remove(id: number, items: () => readonly { id: number }[], work: () => Promise<unknown>): Promise<void> {
    const at = items().findIndex((each) => each.id === id);
    confirming.value = null;
    await work();
    const left = items();
    const next = left.some((each) => each.id === id) ? id : left[Math.min(at, left.length - 1)]?.id;
    await focusRow(next, "delete");
  }
  return { confirming, ask, keep, remove };
}
