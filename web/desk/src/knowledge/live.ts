/** The knowledge base heard live (docs/knowledge-base.md, "Editing together"): each
 * `article.changed` handed to the pages that follow it (the list, an open editor), and who has
 * which article open in the editor (`article.viewers`, kept by the desk's presence store like the
 * tickets'). */
import { defineStore } from "pinia";
import { onBeforeUnmount } from "vue";
import type { ArticleChanged, ArticleViewers } from "../realtime/events.gen";
import { definePresence } from "../realtime/presence";
import type { Envelope } from "../realtime/socket";

export const useArticlePresence = definePresence<"edit", ArticleViewers>("articlePresence", (list) => list.article_id);

type Listener = (change: ArticleChanged | null) => void;

export const useArticleChanges = defineStore("articleChanges", () => {
  // Called for every event, each one (a watched value would merge two heard in one tick).
  const listeners = new Set<Listener>();

  function heard(envelope: Envelope): void {
    for (const listener of [...listeners]) listener(envelope.data as ArticleChanged);
  }

  /** Back after a drop: `article.changed` is not replayed, so listeners read again (null). */
  function resumed(): void {
    for (const listener of [...listeners]) listener(null);
  }

  function listen(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { heard, resumed, listen };
});

/** The component hears every change (null: maybe missed some, read again) while it is mounted. */
export function onArticleChange(listener: Listener): void {
  const stop = useArticleChanges().listen(listener);
  onBeforeUnmount(stop);
}
