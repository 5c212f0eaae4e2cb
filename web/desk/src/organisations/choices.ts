import { computed, ref, type ComputedRef, type Ref } from "vue";
import { debounce } from "../ui/debounce";
import { organisationsApi } from "./api";

export type Choice = { id: number; name: string };

export interface OrganisationChoices {
  /** What the select lists: the kept choices first, then the first 1,000 or a search's answer. */
  choices: ComputedRef<Choice[]>;
  /** The first 1,000 or the search's answer, without the kept ones. */
  listed: Ref<Choice[]>;
  /** False past 1,000 organisations: the select then needs its search field. */
  complete: Ref<boolean>;
  /** True once the first read has answered (or failed). */
  read: Ref<boolean>;
  /** The search field's text. */
  query: Ref<string>;
  /** Reads the first 1,000 again and empties the search. */
  load: () => Promise<void>;
  /** The search field's input: finds by a part of a name or a domain, 50 at a time. */
  find: () => void;
}

/**
 * The organisations a select offers (the customer panel's choice, the filter bar's filter): the
 * first 1,000 by name, in one request of names alone (`GET /organisations/names`); past them
 * (`complete` false) a search finds the others by a part of a name or a domain, 50 at a time
 * as the Organisations page's search does. `keep` names choices
 * that stay listed whatever the search shows: the one chosen already, one picked from an earlier
 * search (docs/desk.md, "Organisations"). The select shows the last read of the first 1,000 at
 * once while `load` reads them again.
 */
export function useOrganisationChoices(keep: () => (Choice | null | undefined)[]): OrganisationChoices {
  const listed = ref<Choice[]>(firstRead?.items ?? []);
  const complete = ref(firstRead?.complete ?? true);
  const read = ref(firstRead !== null);
  const query = ref("");
  // Answers can come back out of order while the agent types: only the latest search's counts.
  let asked = 0;

  async function load(): Promise<void> {
    query.value = "";
    const ask = ++asked;
    try {
      const answer = await organisationsApi.names();
      firstRead = { items: answer.items.map(remembered), complete: answer.complete };
    } catch {
      firstRead ??= { items: [], complete: true };
    } finally {
      if (ask === asked) {
        listed.value = firstRead?.items ?? [];
        complete.value = firstRead?.complete ?? true;
      }
      read.value = true;
    }
  }

  const find = debounce(async () => {
    const ask = ++asked;
    const q = query.value.trim();
    const found = q ? (await organisationsApi.names(q)).items.map(remembered) : (firstRead?.items ?? []);
    if (ask === asked) listed.value = found;
  }, 250);

  const choices = computed(() => {
    const kept = keep().filter(
      (each, at, all): each is Choice =>
        !!each && !listed.value.some((o) => o.id === each.id) && all.findIndex((o) => o?.id === each.id) === at,
    );
    return [...kept, ...listed.value];
  });

  return { choices, listed, complete, read, query, load, find };
}

/** The name of an organisation a choice listed in this tab (the first 1,000, a search's answer),
 * if any did. */
export function nameOfOrganisation(id: number): string | undefined {
  return names.get(id);
}

// The last read of the first 1,000, for the tab: a list page opened again shows it at once (the
// filter bar is made anew on every list) while `load` reads it again behind.
let firstRead: { items: Choice[]; complete: boolean } | null = null;
const names = new Map<number, string>();

function remembered({ id, name }: Choice): Choice {
  names.set(id, name);
  return { id, name };
}
