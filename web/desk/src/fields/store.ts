import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { CustomField } from "../api/types";
import { throttle } from "../ui/debounce";
import { fieldsApi } from "./api";

type FieldObject = "ticket" | "customer";

/**
 * The custom fields' definitions, loaded once, then again when they may have changed: after an
 * admin's change here, when a ticket or customer comes with other keys in its `fields` than the
 * definitions shown, on `field.changed` (an admin created, edited, reordered or deleted one: once
 * for a burst of events, after a wait drawn per tab, since every desk hears it at the same moment),
 * and when the realtime connection comes back after a drop (events are not replayed).
 */
export const useFields = defineStore("fields", () => {
  const items = ref<CustomField[]>([]);
  let loading: Promise<void> | null = null;
  async function load(): Promise<void> {
    items.value = await fieldsApi.list();
  }
  /** Loads them unless already loaded (or loading): every ticket page asks. */
  function ensure(): Promise<void> {
    loading ??= load().catch((e) => {
      loading = null;
      throw e;
    });
    return loading;
  }
  /** Reads them again if they were read: what changed meanwhile shows. */
  function refresh(): Promise<void> {
    if (!loading) return Promise.resolve();
    loading = load().catch((e) => {
      loading = null;
      throw e;
    });
    return loading;
  }
  /** `field.changed`: read again unless never read (a page that shows fields reads them then). */
  const heard = throttle(() => refresh(), 200, 2000, 1500);
  const shown = (object: FieldObject) =>
    items.value.filter((field) => field.object === object && !field.archived);
  /** A record's `fields` name the fields not archived: other keys mean the definitions moved on. */
  async function reconcile(object: FieldObject, values: Record<string, unknown> | null | undefined): Promise<void> {
    if (!values || !loading) return;
    const held = Object.keys(values).sort().join("\n");
    const known = () => shown(object).map((field) => field.key).sort().join("\n");
    if (known() === held) return;
    // Compared again once definitions being read are in: they may be the new ones already.
    await loading.catch(() => undefined);
    if (known() !== held) await refresh().catch(() => undefined);
  }
  const ticketFields = computed(() => shown("ticket"));
  const customerFields = computed(() => shown("customer"));
  return { items, load, ensure, refresh, heard, reconcile, ticketFields, customerFields };
});
