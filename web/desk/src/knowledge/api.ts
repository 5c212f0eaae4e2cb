import { client, unwrap, type Schemas } from "../api/client";

export type Article = Schemas["ArticleRead"];
export type ArticleSummary = Schemas["ArticleSummary"];
export type Category = Schemas["CategoryRead"];
export type HelpCenter = Schemas["HelpCenterRead"];
export type SearchTerm = Schemas["SearchTermRead"];
export type Translation = Schemas["TranslationRead"];
/** One of the help center's languages (the server's list: knowledge/languages.py). */
export type LanguageCode = NonNullable<Schemas["ArticleCreate"]["language"]>;
export interface SearchQuery {
  days: number;
  no_results?: boolean;
  limit?: number;
  offset?: number;
}
export interface ArticleQuery {
  q?: string;
  status?: "draft" | "published";
  category_id?: number;
  limit?: number;
  offset?: number;
}

const article = (id: number) => ({ params: { path: { article_id: id } } });
const category = (id: number) => ({ params: { path: { category_id: id } } });

export const knowledgeApi = {
  list: (query: ArticleQuery) => unwrap(client.GET("/api/v1/knowledge/articles", { params: { query } })),
  get: (id: number) => unwrap(client.GET("/api/v1/knowledge/articles/{article_id}", article(id))),
  create: (body: Schemas["ArticleCreate"]) => unwrap(client.POST("/api/v1/knowledge/articles", { body })),
  update: (id: number, body: Schemas["ArticleUpdate"]) =>
    unwrap(client.PATCH("/api/v1/knowledge/articles/{article_id}", { ...article(id), body })),
  publish: (id: number, version: number) =>
    unwrap(client.POST("/api/v1/knowledge/articles/{article_id}/publish", { ...article(id), body: { version } })),
  unpublish: (id: number, version: number) =>
    unwrap(client.POST("/api/v1/knowledge/articles/{article_id}/unpublish", { ...article(id), body: { version } })),
  /** At the version the agent read: a colleague's change since is a 409 `article_changed`. */
  remove: (id: number, version: number) =>
    unwrap(client.DELETE("/api/v1/knowledge/articles/{article_id}", { params: { path: { article_id: id }, query: { version } } })),
  preview: (body: string) => unwrap(client.POST("/api/v1/knowledge/preview", { body: { body } })),
  categories: () => unwrap(client.GET("/api/v1/knowledge/categories")),
  createCategory: (body: Schemas["CategoryCreate"]) => unwrap(client.POST("/api/v1/knowledge/categories", { body })),
  updateCategory: (id: number, body: Schemas["CategoryUpdate"]) =>
    unwrap(client.PATCH("/api/v1/knowledge/categories/{category_id}", { ...category(id), body })),
  settings: () => unwrap(client.GET("/api/v1/knowledge/settings")),
  saveSettings: (body: Schemas["HelpCenterUpdate"]) => unwrap(client.PUT("/api/v1/knowledge/settings", { body })),
  /** What readers searched for (admins and owners): most searched first, with the totals. */
  searches: (query: SearchQuery) => unwrap(client.GET("/api/v1/knowledge/searches", { params: { query } })),
  /** An article's translations, drafts included (docs/knowledge-base.md, "Languages"). */
  translations: (id: number) => unwrap(client.GET("/api/v1/knowledge/articles/{article_id}/translations", article(id))),
  /** Adds (no `version`) or changes (`version` as read) a translation: 409 `translation_changed` when a colleague saved it meanwhile. */
  saveTranslation: (id: number, language: string, body: Schemas["TranslationWrite"]) =>
    unwrap(
      client.PUT("/api/v1/knowledge/articles/{article_id}/translations/{language}", {
        params: { path: { article_id: id, language } },
        body,
      }),
    ),
  removeTranslation: (id: number, language: string, version: number) =>
    unwrap(
      client.DELETE("/api/v1/knowledge/articles/{article_id}/translations/{language}", {
        params: { path: { article_id: id, language }, query: { version } },
      }),
    ),
  removeCategory: (id: number) => unwrap(client.DELETE("/api/v1/knowledge/categories/{category_id}", category(id))),
};

/** What a new article's first save says: the editor is drawn again at the article's own address
 * (the desk's views are keyed by path), and says it there. */
/** A language's name in the desk's language: "French", "français"; capitalised for a label
 * of its own ("Français"), not inside a sentence. */
export function languageName(code: string, inLocale: string, capital = true): string {
  try {
    const name = new Intl.DisplayNames([inLocale], { type: "language" }).of(code) ?? code;
    return capital ? name.charAt(0).toLocaleUpperCase(inLocale) + name.slice(1) : name;
  } catch {
    return code;
  }
}

export const afterCreate: { said: string | null } = { said: null };
