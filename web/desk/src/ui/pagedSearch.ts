/**
 * A list the server gives a page at a time and searches by a text (Customers, Organisations):
 * the first page again for a new search, the next one for "Load more" (the server's
 * `next_cursor`), and an answer to a search typed over since dropped, so that the table always
 * shows what the box says. The text searched is kept in the URL as `search` (not `q`: the top
 * bar's ticket search shows a `q` of the URL as its own), so Back finds the list as it was.
 */
import { ref, watch, type Ref } from "vue";
import { useRoute, useRouter } from "vue-router";
import { messageOf } from "../api/client";
import { debounce } from "./debounce";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface PageQuery {
  limit: number;
  q?: string;
  cursor?: string;
}

export const PAGE = 50;

/** The first value of a URL query parameter, as text. */
export const firstOf = (value: unknown): string => (Array.isArray(value) ? String(value[0] ?? "") : typeof value === "string" ? value : "");

export function usePagedSearch<T>(
  fetch: (query: PageQuery) => Promise<Page<T>>,
  // More of the URL's query to keep beside the search (a sort), from what the page shows now.
  alsoInUrl: () => Record<string, string> = () => ({}),
): {
  q: Ref<string>;
  items: Ref<T[]>;
  nextCursor: Ref<string | null>;
  loaded: Ref<boolean>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  shownFor: Ref<string>;
  load: (more?: boolean) => Promise<void>;
  remember: () => void;
} {
  const route = useRoute();
  const router = useRouter();
  const q = ref(firstOf(route.query.search));
  const items = ref<T[]>([]) as Ref<T[]>;
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  // What the table shows was asked for this text: the empty line names it, not what is typed since.
  const shownFor = ref("");
  let asked = 0;

  async function load(more = false): Promise<void> {
    const text = q.value.trim();
    const query: PageQuery = { limit: PAGE };
    if (text) query.q = text;
    if (more && nextCursor.value) query.cursor = nextCursor.value;
    const mine = ++asked;
    loading.value = true;
    try {
      const page = await fetch(query);
      if (mine !== asked) return;
      items.value = more ? [...items.value, ...page.items] : page.items;
      nextCursor.value = page.next_cursor ?? null;
      shownFor.value = text;
      error.value = null;
    } catch (e) {
      if (mine === asked) error.value = messageOf(e);
    } finally {
      if (mine === asked) {
        loaded.value = true;
        loading.value = false;
      }
    }
  }

  function remember(): void {
    const text = q.value.trim();
    void router.replace({ query: { ...(text ? { search: text } : {}), ...alsoInUrl() } });
  }

  watch(
    q,
    debounce(() => {
      remember();
      return load();
    }, 200),
  );
  void load();
  return { q, items, nextCursor, loaded, loading, error, shownFor, load, remember };
}
