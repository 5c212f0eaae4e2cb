// The help articles on the messenger's start view: a search box over the published articles
// (GET /messenger/v1/help/articles, the server's full-text search), and an article opened in the
// panel with Back and "Still need help? Chat with us". The article's HTML was sanitized by the
// server (knowledge/markdown.py); it is cleaned again here before it joins our shadow root,
// so that nothing but plain markup ever runs in the visitor's page, whatever the server sent.

import { h } from "./dom";
import { pickLocale, type Translate } from "./i18n";
import type { Fetcher } from "./net";
import type { Status } from "./types";

interface Found {
  id: number;
  title: string;
  excerpt: string;
  /** The language of the title and excerpt (the visitor's when translated). */
  language?: string;
}
interface Opened {
  id: number;
  title: string;
  html: string;
  /** The language of the text shown; `translated` false: not in the visitor's language yet. */
  language?: string;
  translated?: boolean;
}

/** What the help box needs of the messenger. */
export interface HelpHost {
  readonly t: Translate;
  readonly api: Fetcher;
  readonly inbox: string;
  readonly status: Status | null;
  readonly cfg: { locale?: string };
  /** The visitor's token, made first when there is none: a vote is the visitor's, once per article. */
  ensureVisitor(): Promise<string>;
}

/** Where the view goes back to: the start view, focused on the search or on the message. */
export type Leave = (focus: "help" | "message") => void;

const KEEP = /^(a|blockquote|br|code|del|em|h[1-6]|hr|img|li|ol|p|pre|s|strong|table|tbody|td|th|thead|tr|ul)$/;
const SAFE_URL = /^(https?:|mailto:)/i;
const ALIGNED = /^align-(left|center|right)$/;

/** Whether a tag is kept (with what it holds). */
export const keepsTag = (tag: string): boolean => KEEP.test(tag.toLowerCase());

/** Whether an attribute is kept: a link's or image's address when it is http(s) or mailto (after
 * the browser decoded it: `&#106;avascript:` is `javascript:` here), alt and title, and a table
 * cell's alignment class. */
export function keepsAttribute(tag: string, name: string, value: string): boolean {
  if (name === "href" || name === "src") return SAFE_URL.test(value.trim());
  if (name === "class") return (tag === "td" || tag === "th") && ALIGNED.test(value);
  return name === "alt" || name === "title";
}

/** The article's HTML as nodes of our own: tags outside the server's list dropped with what they
 * hold, every attribute but a safe link's or image's address, its alt text and a cell's
 * alignment removed. */
export function cleanHtml(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  const walk = (node: Element): void => {
    for (const child of [...node.children]) {
      const tag = child.tagName.toLowerCase();
      if (!keepsTag(tag)) {
        child.remove();
        continue;
      }
      for (const { name, value } of [...child.attributes]) {
        if (!keepsAttribute(tag, name, value)) child.removeAttribute(name);
      }
      if (tag === "a") {
        child.setAttribute("target", "_blank");
        child.setAttribute("rel", "noopener nofollow");
      }
      walk(child);
    }
  };
  walk(parsed);
  const fragment = document.createDocumentFragment();
  fragment.append(...[...parsed.childNodes].map((node) => document.importNode(node, true)));
  return fragment;
}

export class Help {
  private query = "";
  private found: Found[] | null = null;
  /** Whether the help center has published articles (null: not known yet): the box is shown
   * only when it has, so a messenger without a help center looks as it always did. */
  private has: boolean | null = null;
  private asked = 0;
  private timer = 0;
  private idle = 0;
  /** The last query counted for the desk's Searches view. */
  private settled = "";

  constructor(
    private readonly app: HelpHost,
    private readonly show: (content: HTMLElement) => void,
    private readonly leave: Leave,
  ) {}

  /** Every request names the messenger's language: the server answers with the articles'
   * translations into it where they have one (docs/knowledge-base.md, "Languages"). */
  private path(rest: string): string {
    const lang = pickLocale(this.app.cfg.locale);
    return `/help/articles${rest}${rest.includes("?") ? "&" : "?"}inbox=${encodeURIComponent(this.app.inbox)}&lang=${lang}`;
  }

  /** A `lang` attribute for a text in another language than the messenger's. */
  private lang(language: string | undefined): Record<string, string> {
    return language && language !== pickLocale(this.app.cfg.locale) ? { lang: language } : {};
  }

  /** The search box and its results, as the start view shows them. */
  box(): HTMLElement {
    const { t } = this.app;
    const input = h("input", { type: "search", id: "fd-help", autocomplete: "off", maxlength: 200 });
    input.value = this.query;
    const list = h("ul", { class: "help-results" });
    const said = h("p", { class: "hint", role: "status" });
    const draw = (): void => {
      const found = this.found ?? [];
      list.replaceChildren(
        ...found.map((item) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "help-result",
                onclick: () =>
                  void this.open(item.id).then((opened) => {
                    if (!opened) said.textContent = t("helpOpenFailed");
                  }),
              },
              h("strong", { text: item.title, ...this.lang(item.language) }),
              item.excerpt && h("span", { text: item.excerpt, ...this.lang(item.language) }),
            ),
          ),
        ),
      );
      said.textContent = this.found && !found.length ? t("helpNone") : "";
    };
    input.addEventListener("input", () => {
      this.query = input.value;
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.search(draw), 250);
      window.clearTimeout(this.idle);
      this.idle = window.setTimeout(() => this.settle(), 1500);
    });
    input.addEventListener("blur", () => this.settle());
    draw();
    const form = h(
      "form",
      {
        class: "help",
        role: "search",
        hidden: !this.has,
        onsubmit: (event: Event) => {
          event.preventDefault();
          this.settle();
        },
      },
      h("label", { for: "fd-help", text: t("helpSearch") }),
      input,
      said,
      list,
    );
    if (this.has === null) {
      void this.app.api<{ items: Found[] }>("GET", this.path("")).then(
        (page) => {
          this.has = page.items.length > 0;
          form.hidden = !this.has;
        },
        () => undefined,
      );
    }
    return form;
  }

  /** The query the visitor settled on (a pause, Enter, leaving the box, opening a result) is
   * asked again to be counted in the desk's Searches view; what is sent as they type says
   * `typing` and is not counted (docs/knowledge-base.md). */
  private settle(): void {
    const q = this.query.trim();
    window.clearTimeout(this.idle);
    if (!q || q === this.settled) return;
    this.settled = q;
    void this.app.api("GET", this.path(`?q=${encodeURIComponent(q)}`)).catch(() => undefined);
  }

  private async search(draw: () => void): Promise<void> {
    const q = this.query.trim();
    const mine = ++this.asked;
    let found: Found[] | null = null;
    if (q) {
      try {
        found = (await this.app.api<{ items: Found[] }>("GET", this.path(`?q=${encodeURIComponent(q)}&typing=true`))).items;
      } catch {
        found = [];
      }
    }
    if (mine !== this.asked) return;
    this.found = found;
    draw();
  }

  /** The article in the panel, in place of the start view; false when it could not be had (the
   * start view then says so). */
  async open(id: number): Promise<boolean> {
    const { t, api } = this.app;
    this.settle();
    let article: Opened;
    try {
      article = await api<Opened>("GET", this.path(`/${id}`));
    } catch {
      return false;
    }
    const title = h("h3", { tabindex: -1, text: article.title });
    const untranslated = article.translated === false ? h("p", { class: "hint", text: t("helpNotTranslated") }) : null;
    const answer = h("p", { class: "help-helpful" });
    const vote = (helpful: boolean) => (): void => {
      answer.replaceChildren(t("helpThanks"));
      void this.app
        .ensureVisitor()
        .then(() => api("POST", this.path(`/${id}/feedback?helpful=${helpful}`)))
        .catch(() => undefined);
    };
    answer.append(
      t("helpHelpful"),
      h("button", { type: "button", class: "secondary", text: t("yes"), onclick: vote(true) }),
      h("button", { type: "button", class: "secondary", text: t("no"), onclick: vote(false) }),
    );
    const body = h("div", { class: "help-body" });
    body.append(cleanHtml(article.html));
    this.show(
      h(
        "div",
        { class: "help-article" },
        h("button", { type: "button", class: "secondary", text: `← ${t("back")}`, onclick: () => this.leave("help") }),
        ...(untranslated ? [untranslated] : []),
        h("article", this.lang(article.language), title, body),
        answer,
        h("p", { class: "help-more" }, t("helpStill")),
        h("button", {
          type: "button",
          class: "primary",
          text: t(this.app.status?.online ? "helpChat" : "helpWrite"),
          onclick: () => this.leave("message"),
        }),
      ),
    );
    title.focus();
    return true;
  }
}
