/** The knowledge base heard live (docs/knowledge-base.md, "Editing together"): each
 * `article.changed` handed to the pages that follow it (the list, an open editor), each
 * `article.translation_changed` to an open editor ("Languages"), and who has which article open
 * in the editor (`article.viewers`, kept by the desk's presence store like the tickets'). */
import { defineStore } from "pinia";
import { onBeforeUnmount } from "vue";
import type { ArticleChanged, ArticleTranslationChanged, ArticleViewers } from "../realtime/events.gen";
import { definePresence } from "../realtime/presence";
import type { Envelope } from "../realtime/socket";

export const useArticlePresence = definePresence<"edit", ArticleViewers>("articlePresence", (list) => list.article_id);

type Listener = (change: ArticleChanged | null) => void;
type TranslationListener = (change: ArticleTranslationChanged | null) => void;

export const useArticleChanges = defineStore("articleChanges", () => {
  // Called for every event, each one (a watched value would merge two heard in one tick).
  const listeners = new Set<Listener>();
  const translationListeners = new Set<TranslationListener>();

  function heard(envelope: Envelope): void {
    for (const listener of [...listeners]) listener(envelope.data as ArticleChanged);
  }

  function heardTranslation(envelope: Envelope): void {
    for (const listener of [...translationListeners]) listener(envelope.data as ArticleTranslationChanged);
  }

  /** Back after a drop: neither event is replayed, so listeners read again (null). */
  function resumed(): void {
    for (const listener of [...listeners]) listener(null);
    for (const listener of [...translationListeners]) listener(null);
  }

  function listen(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function listenTranslations(listener: TranslationListener): () => void {
    translationListeners.add(listener);
    return () => translationListeners.delete(listener);
  }

  return { heard, heardTranslation, resumed, listen, listenTranslations };
});

/** The component hears every change (null: maybe missed some, read again) while it is mounted. */
export function onArticleChange(listener: Listener): void {
  const stop = useArticleChanges().listen(listener);
  onBeforeUnmount(stop);
}

/** The same for the articles' translations. */
export function onTranslationChange(listener: TranslationListener): void {
  const stop = useArticleChanges().listenTranslations(listener);
  onBeforeUnmount(stop);
}
