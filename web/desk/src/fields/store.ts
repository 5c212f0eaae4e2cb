import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { CustomField } from "../api/types";
import { fieldsApi } from "./api";

type FieldObject = "ticket" | "customer";

/**
 * The custom fields' definitions, loaded once, then again when they may have changed: after an
 * admin's change here, when a ticket or customer comes with other keys in its `fields` than the
 * definitions shown (another admin added, archived or deleted one), and when the realtime
 * connection comes back after a drop (nothing announces definitions' changes).
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
  return { items, load, ensure, refresh, reconcile, ticketFields, customerFields };
});
