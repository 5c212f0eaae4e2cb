import { watch, type Ref } from "vue";
import { knowledgeApi } from "./api";

/**
 * The editor's Markdown preview (an article's or a translation's), rendered by the server: it
 * follows `body` a moment after the typing stops, and an answer older than the text is dropped.
 */
export function followPreview(body: Ref<string>, html: Ref<string>): void {
  let timer: number | undefined;
  let asked = 0;
  watch(body, (text) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const mine = ++asked;
      try {
        const rendered = await knowledgeApi.preview(text);
        if (mine === asked) html.value = rendered.html;
      } catch {
        // The preview is a help; the Save reports what is wrong with the text.
      }
    }, 250);
  });
}
