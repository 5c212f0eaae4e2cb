"""The public help center's HTML: the home page (categories and their published articles), an
article, search results and the "not found" page, in English or French. No script: every page
works without JavaScript. Every text from the database or the request is escaped; an article's
body is the sanitized HTML of knowledge/markdown.py. One inline style sheet, allowed by its
hash. One <h1> per page; search and "not found" pages ask robots not to index them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from frontdesk.kit.headers import policy, script_hash
from frontdesk.knowledge.languages import LANGUAGES, NAMES, Language
from frontdesk.knowledge.links import PATH, article_path
from frontdesk.knowledge.models import Article, ArticleCategory

__all__ = ["LANGUAGES", "Language"]

WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "tagline": "How can we help?",
        "placeholder": "Search for articles",
        "search_label": "Search the help center",
        "search": "Search",
        "contact": 'Still need help? <a href="{url}">Contact us</a>',
        "more": "More articles",
        "articles": "Articles",
        "none": "There are no articles yet.",
        "updated": "Updated {date}",
        "thanks": "Thanks for telling us!",
        "helpful": "Was this article helpful?",
        "yes": "Yes",
        "no": "No",
        "breadcrumb": "Breadcrumb",
        "search_title": "Search",
        "search_empty": "Type a few words above.",
        "no_match": "No article matches. Try other words.",
        "results_1": "1 result for &ldquo;{q}&rdquo;",
        "results_n": "{n} results for &ldquo;{q}&rdquo;",
        "cut": "Only the best {n} are shown: add words to narrow the search.",
        "not_found_title": "Not found",
        "not_found": "This page is not here",
        "not_found_text": (
            'It may have moved or been taken down. <a href="{home}">See every article</a>, '
            "or search above."
        ),
        "description": "Answers to common questions, from {name}.",
        "my_requests": "My requests",
        "not_translated": "This article is not available in English yet.",
        "languages": "This article in other languages",
    },
    "fr": {
        "tagline": "Comment pouvons-nous vous aider ?",
        "placeholder": "Rechercher un article",
        "search_label": "Rechercher dans le centre d'aide",
        "search": "Rechercher",
        "contact": 'Besoin d\'aide ? <a href="{url}">Contactez-nous</a>',
        "more": "Autres articles",
        "articles": "Articles",
        "none": "Il n'y a pas encore d'article.",
        "updated": "Mis à jour le {date}",
        "thanks": "Merci de nous l'avoir dit !",
        "helpful": "Cet article vous a-t-il aidé ?",
        "yes": "Oui",
        "no": "Non",
        "breadcrumb": "Fil d'Ariane",
        "search_title": "Recherche",
        "search_empty": "Tapez quelques mots ci-dessus.",
        "no_match": "Aucun article ne correspond. Essayez d'autres mots.",
        "results_1": "1 résultat pour « {q} »",
        "results_n": "{n} résultats pour « {q} »",
        "cut": "Seuls les {n} meilleurs sont affichés : ajoutez des mots pour affiner.",
        "not_found_title": "Introuvable",
        "not_found": "Cette page n'existe pas",
        "not_found_text": (
            'Elle a peut-être été déplacée ou retirée. <a href="{home}">Voir tous les '
            "articles</a>, ou cherchez ci-dessus."
        ),
        "description": "Réponses aux questions fréquentes, par {name}.",
        "my_requests": "Mes demandes",
        "not_translated": "Cet article n'est pas encore disponible en français.",
        "languages": "Cet article dans d'autres langues",
    },
}
MONTHS: dict[Language, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    """What every page shows around its content: the help center's name and contact link, the
    page's language, and the installation's public address (for canonical links)."""

    name: str
    contact_url: str
    language: Language
    public_url: str
    # Customers can sign in to see their requests (portal/): the header links to them.
    portal: bool = False

    def words(self, key: str, **values: str) -> str:
        return WORDS[self.language][key].format(**values)


STYLE = """
:root { color-scheme: light dark; --bg: #f8fafc; --panel: #fff; --text: #0f172a;
  --muted: #475569; --border: #e2e8f0; --accent: #2563eb; --band: #1e3a8a; --band-text: #fff; }
@media (prefers-color-scheme: dark) { :root { --bg: #0b1220; --panel: #111827;
  --text: #e5e7eb; --muted: #9ca3af; --border: #1f2937; --accent: #93c5fd; --band: #172554;
  --band-text: #e5e7eb; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 17px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
a:focus-visible, input:focus-visible, button:focus-visible { outline: 3px solid var(--accent);
  outline-offset: 2px; }
header { background: var(--band); color: var(--band-text); padding: 1.5rem 0 2rem; }
header .inner, main, footer { max-width: 48rem; margin: 0 auto; }
header .inner { padding: 0 1.25rem; }
header a.home { color: inherit; text-decoration: none; font-weight: 700; font-size: 1.15rem; }
header .tagline { margin: 1.25rem 0 .75rem; font-size: 1.9rem; line-height: 1.2;
  font-weight: 700; }
form.search { display: flex; gap: .5rem; }
form.search input { flex: 1; min-width: 0; padding: .7rem .9rem; font: inherit;
  border-radius: 10px; border: 1px solid var(--border); background: var(--panel);
  color: var(--text); }
button { font: inherit; font-weight: 600; padding: .6rem 1.1rem; border-radius: 10px;
  border: 1px solid var(--border); background: var(--panel); color: var(--text);
  cursor: pointer; }
main { padding: 1.5rem 1.25rem 2rem; }
section.category { background: var(--panel); border: 1px solid var(--border);
  border-radius: 14px; padding: 1.1rem 1.4rem; margin: 0 0 1.25rem; }
section.category h1, section.category h2 { margin: 0; font-size: 1.25rem; }
section.category p.description { margin: .2rem 0 .5rem; color: var(--muted); }
ul.articles { list-style: none; margin: .5rem 0 0; padding: 0; }
ul.articles li { padding: .45rem 0; border-top: 1px solid var(--border); }
ul.articles li:first-child { border-top: 0; }
ul.articles .excerpt { display: block; color: var(--muted); font-size: .92rem; }
article { background: var(--panel); border: 1px solid var(--border); border-radius: 14px;
  padding: 1.5rem 1.75rem; overflow-wrap: anywhere; }
article h1 { margin-top: 0; line-height: 1.25; }
article img { max-width: 100%; height: auto; }
article pre { overflow: auto; padding: .8rem 1rem; border-radius: 8px; background: var(--bg); }
article code { font-size: .92em; }
article table { border-collapse: collapse; } article td, article th {
  border: 1px solid var(--border); padding: .3rem .6rem; }
article .align-left { text-align: left; } article .align-center { text-align: center; }
article .align-right { text-align: right; }
article blockquote { margin: 0; padding-left: 1rem; border-left: 4px solid var(--border);
  color: var(--muted); }
.meta, .crumbs { color: var(--muted); font-size: .92rem; }
.crumbs { margin: 0 0 1rem; }
form.helpful { display: flex; align-items: center; gap: .6rem; flex-wrap: wrap;
  margin: 1.5rem 0 0; }
.contact { margin: 2rem 0 0; padding: 1.2rem 1.4rem; border-radius: 14px;
  border: 1px dashed var(--border); text-align: center; }
footer { padding: 0 1.25rem 2.5rem; color: var(--muted); font-size: .9rem; }
.cut { color: var(--muted); font-size: .92rem; margin: .75rem 0 0; }
header .top { display: flex; justify-content: space-between; align-items: baseline;
  gap: 1rem; flex-wrap: wrap; }
header a.account { color: inherit; font-weight: 600; font-size: .95rem; }
section.category.portal h1 { margin: 0 0 .75rem; font-size: 1.45rem; line-height: 1.25; }
.portal .lead { margin: 0 0 1rem; color: var(--muted); }
form.stacked { display: grid; gap: .6rem; margin: .75rem 0 0; }
form.stacked label { font-weight: 600; }
form.stacked input, form.stacked textarea { width: 100%; padding: .7rem .9rem; font: inherit;
  border-radius: 10px; border: 1px solid var(--border); background: var(--bg);
  color: var(--text); }
form.stacked textarea { min-height: 8rem; resize: vertical; }
form.stacked button, button.primary { justify-self: start; }
button.primary { background: var(--band); color: var(--band-text); border-color: var(--band); }
form.inline { display: inline; margin: 0; }
button.link { padding: 0; border: 0; background: none; color: var(--accent); font-weight: 400;
  text-decoration: underline; }
.notice { margin: 0 0 1rem; padding: .8rem 1rem; border-radius: 10px;
  border: 1px solid var(--border); background: var(--bg); }
.problem { color: #b91c1c; font-weight: 600; margin: 0; }
@media (prefers-color-scheme: dark) { .problem { color: #fca5a5; } }
.account-line { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap;
  color: var(--muted); font-size: .92rem; margin: 0 0 1rem; }
table.requests { width: 100%; border-collapse: collapse; }
table.requests th { text-align: left; color: var(--muted); font-size: .85rem;
  font-weight: 600; padding: .3rem .5rem; }
table.requests td { border-top: 1px solid var(--border); padding: .6rem .5rem;
  vertical-align: top; overflow-wrap: anywhere; }
table.requests td.number, table.requests td.when { white-space: nowrap; color: var(--muted);
  font-size: .92rem; }
.state { display: inline-block; font-size: .82rem; font-weight: 600; padding: .05rem .6rem;
  border-radius: 999px; border: 1px solid var(--border); white-space: nowrap; }
.state.open { color: var(--accent); border-color: currentColor; }
.state.solved { color: var(--muted); }
.pages { margin: 1rem 0 0; }
nav.languages { float: right; margin: 0 0 .5rem 1rem; color: var(--muted); font-size: .88rem; }
nav.languages [aria-current] { font-weight: 600; color: var(--text); }
nav.tabs { display: flex; gap: .4rem; flex-wrap: wrap; margin: 0 0 1rem;
  border-bottom: 1px solid var(--border); }
nav.tabs a { padding: .45rem .9rem; border: 1px solid transparent; border-bottom: 0;
  border-radius: 10px 10px 0 0; text-decoration: none; color: var(--muted); font-weight: 600; }
nav.tabs a[aria-current="page"] { color: var(--text); border-color: var(--border);
  background: var(--panel); margin-bottom: -1px; }
table.requests td.opener { color: var(--muted); }
form.solve { margin: 1.5rem 0 0; padding: .8rem 1rem; border-radius: 10px;
  border: 1px dashed var(--border); } form.solve p { margin: 0; color: var(--muted); }
.heading-row { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
  flex-wrap: wrap; margin: 0 0 .75rem; } section.category.portal .heading-row h1 { margin: 0; }
a.button { display: inline-block; font-weight: 600; padding: .6rem 1.1rem; border-radius: 10px;
  border: 1px solid var(--band); background: var(--band); color: var(--band-text);
  text-decoration: none; }
ol.thread { list-style: none; margin: 1rem 0; padding: 0; display: grid; gap: .75rem; }
ol.thread li { border: 1px solid var(--border); border-radius: 12px; padding: .75rem 1rem;
  background: var(--panel); }
ol.thread li.customer { background: var(--bg); margin-left: 2.5rem; }
ol.thread li.agent { margin-right: 2.5rem; }
ol.thread .who { font-weight: 600; }
ol.thread .when { color: var(--muted); font-size: .85rem; }
ol.thread .text { margin: .3rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.thread ul.files { margin: .4rem 0 0; padding-left: 1.2rem; font-size: .92rem; }
ol.thread ul.files li { border: 0; border-radius: 0; padding: .1rem 0; background: none;
  margin: 0; }
ol.thread ul.thumbnails { list-style: none; margin: .5rem 0 0; padding: 0; display: flex;
  flex-wrap: wrap; gap: .5rem; align-items: flex-start; }
ol.thread ul.thumbnails li { border: 0; border-radius: 0; padding: 0; background: none; margin: 0;
  max-width: 100%; } ol.thread ul.thumbnails a { display: block; line-height: 0; }
ol.thread ul.thumbnails img { max-width: 100%; height: auto; border: 1px solid var(--border);
  border-radius: 8px; background: var(--panel); }
form.stacked p.hint { margin: -.3rem 0 .2rem; }
@media (max-width: 560px) { header .tagline { font-size: 1.5rem; }
  article { padding: 1.1rem 1.1rem; }
  ol.thread li.customer { margin-left: .75rem; } ol.thread li.agent { margin-right: .75rem; } }
"""

PAGE_HEADERS = {
    "Content-Security-Policy": policy(
        default_src="'none'",
        style_src=script_hash(STYLE),
        # Articles may show images from anywhere on the web (https only).
        img_src="'self' https: data:",
        form_action="'self'",
        base_uri="'none'",
        frame_ancestors="'none'",
    ),
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # The language follows Accept-Language: a shared cache keeps one copy per language.
    "Vary": "Accept-Language",
}
# Changes with the pages' look and words, so that an article's ETag (made before rendering,
# knowledge/pages_api.py) changes with them too.
REVISION = hashlib.sha256((STYLE + repr(WORDS)).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Shown:
    article: Article
    excerpt: str = ""
    # The title shown (the reader's language's translation's) and its language; empty: the
    # article's own.
    title: str = ""
    language: str = ""


@dataclass(frozen=True)
class Text:
    """What an article page shows: the article's own text or a translation's, in `language`;
    `fallback` when the reader's language has no published translation (the page says so)."""

    title: str
    html: str
    language: str
    updated_at: datetime
    fallback: bool = False


def _document(
    site: Site,
    title: str,
    body: str,
    *,
    query: str = "",
    home: bool = False,
    description: str = "",
    canonical: str = "",
    index: bool = True,
    alternates: str = "",
) -> str:
    words = site.words
    search = (
        f'<form class="search" role="search" action="{PATH}/search" method="get">'
        f'<input id="q" name="q" type="search" value="{escape(query)}" maxlength="200" '
        f'placeholder="{escape(words("placeholder"))}" '
        f'aria-label="{escape(words("search_label"))}">'
        f'<button type="submit">{escape(words("search"))}</button></form>'
    )
    # The page's one <h1>: the question on the home page, the content's own heading elsewhere.
    tag = "h1" if home else "p"
    tagline = f'<{tag} class="tagline">{escape(words("tagline"))}</{tag}>'
    meta = f'<meta name="description" content="{escape(description)}">' if description else ""
    if canonical:
        meta += f'<link rel="canonical" href="{escape(site.public_url.rstrip("/") + canonical)}">'
    if not index:
        meta += '<meta name="robots" content="noindex">'
    meta += alternates
    return (
        f'<!doctype html><html lang="{site.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{meta}<style>{STYLE}</style></head><body>"
        f'<header><div class="inner"><div class="top">'
        f'<a class="home" href="{PATH}">{escape(site.name)}</a>{_account(site)}</div>'
        f"{tagline}{search}</div></header>"
        f"<main>{body}{_contact(site)}</main>"
        f"<footer>{escape(site.name)}</footer></body></html>"
    )


def _account(site: Site) -> str:
    """The link to the customer's requests (the sign-in form until they sign in): the same on
    every page, which is cached for everybody."""
    if not site.portal:
        return ""
    return f'<a class="account" href="{PATH}/requests">{escape(site.words("my_requests"))}</a>'


def document(site: Site, title: str, body: str, *, description: str = "") -> str:
    """A page of the help center's frame that no robot indexes (the customer portal's)."""
    return _document(site, title, body, description=description, index=False)


def _contact(site: Site) -> str:
    if not site.contact_url:
        return ""
    return f'<p class="contact">{site.words("contact", url=escape(site.contact_url))}</p>'


def _lang(site: Site, language: str) -> str:
    """A `lang` attribute for text in another language than the page's (none otherwise)."""
    return f' lang="{escape(language)}"' if language and language != site.language else ""


def _link(site: Site, shown: Shown) -> str:
    article = shown.article
    href = escape(article_path(article.id, article.slug))
    lang = _lang(site, shown.language or article.language)
    excerpt = f'<span class="excerpt"{lang}>{escape(shown.excerpt)}</span>' if shown.excerpt else ""
    title = shown.title or article.title
    return f'<li><a href="{href}"{lang}>{escape(title)}</a>{excerpt}</li>'


def home_page(site: Site, categories: Sequence[ArticleCategory], articles: Sequence[Shown]) -> str:
    by_category: dict[int | None, list[Shown]] = {}
    for shown in articles:
        by_category.setdefault(shown.article.category_id, []).append(shown)
    known = {category.id for category in categories}
    sections: list[str] = []
    for category in categories:
        listed = by_category.get(category.id, [])
        if not listed:
            continue
        description = (
            f'<p class="description">{escape(category.description)}</p>'
            if category.description
            else ""
        )
        sections.append(
            f'<section class="category" aria-labelledby="c{category.id}">'
            f'<h2 id="c{category.id}">{escape(category.name)}</h2>{description}'
            f'<ul class="articles">{"".join(_link(site, a) for a in listed)}</ul></section>'
        )
    others = [a for a in articles if a.article.category_id not in known]
    if others:
        heading = site.words("more" if sections else "articles")
        sections.append(
            f'<section class="category" aria-labelledby="c0"><h2 id="c0">{heading}</h2>'
            f'<ul class="articles">{"".join(_link(site, a) for a in others)}</ul></section>'
        )
    if not sections:
        sections.append(f"<p>{site.words('none')}</p>")
    return _document(
        site,
        site.name,
        "".join(sections),
        home=True,
        description=site.words("description", name=site.name),
        canonical=PATH,
    )


def _date(moment: datetime, language: Language) -> str:
    return f"{moment.day} {MONTHS[language][moment.month - 1]} {moment.year}"


def _switcher(site: Site, path: str, text: Text, languages: Sequence[str]) -> tuple[str, str]:
    """The article's other languages: `<link rel="alternate" hreflang>` for the head, and a
    small visible list of links for the page (none when it exists in one language only)."""
    if len(languages) < 2:
        return "", ""
    base = site.public_url.rstrip("/") + path
    alternates = (
        "".join(
            f'<link rel="alternate" hreflang="{escape(code)}" '
            f'href="{escape(f"{base}?lang={code}")}">'
            for code in languages
        )
        + f'<link rel="alternate" hreflang="x-default" href="{escape(base)}">'
    )
    links = []
    for code in languages:
        name = escape(NAMES.get(code, code))
        if code == text.language:
            links.append(f'<span lang="{escape(code)}" aria-current="true">{name}</span>')
        else:
            links.append(
                f'<a href="{escape(path)}?lang={escape(code)}" hreflang="{escape(code)}" '
                f'lang="{escape(code)}">{name}</a>'
            )
    label = escape(site.words("languages"))
    return alternates, f'<nav class="languages" aria-label="{label}">{" · ".join(links)}</nav>'


def article_page(
    site: Site,
    article: Article,
    text: Text,
    category: ArticleCategory | None,
    *,
    thanked: bool,
    description: str,
    languages: Sequence[str] = (),
) -> str:
    """`text`: what is shown (the article's own, or its translation into the reader's
    language); `languages`: every language the article can be read in, its own first."""
    words = site.words
    crumbs = f'<a href="{PATH}">{escape(site.name)}</a>'
    if category is not None:
        crumbs += f" &rsaquo; {escape(category.name)}"
    path = article_path(article.id, article.slug)
    helpful = (
        f'<p class="helpful" role="status">{words("thanks")}</p>'
        if thanked
        else (
            f'<form class="helpful" method="post" action="{escape(path)}/feedback">'
            f"<span>{words('helpful')}</span>"
            f'<button name="helpful" value="yes">{words("yes")}</button>'
            f'<button name="helpful" value="no">{words("no")}</button></form>'
        )
    )
    updated = words("updated", date=_date(text.updated_at, site.language))
    fallback = (
        f'<p class="notice untranslated">{words("not_translated")}</p>' if text.fallback else ""
    )
    alternates, switcher = _switcher(site, path, text, languages)
    lang = _lang(site, text.language)
    body = (
        f'<nav class="crumbs" aria-label="{escape(words("breadcrumb"))}">{crumbs}</nav>'
        f'{fallback}<article>{switcher}<div class="text"{lang}><h1>{escape(text.title)}</h1>'
        f'<p class="meta">{updated}</p>{text.html}</div>{helpful}</article>'
    )
    # An article in several languages: each language's address is its own page (the
    # alternates name them), so the canonical address keeps the page's language.
    canonical = f"{path}?lang={site.language}" if alternates else path
    return _document(
        site,
        f"{text.title} - {site.name}",
        body,
        description=description,
        canonical=canonical,
        # "?thanks=1" is the same article: only the plain address is indexed.
        index=not thanked,
        alternates=alternates,
    )


def search_page(site: Site, query: str, found: Sequence[Shown], *, cut: bool) -> str:
    words = site.words
    title = f"{words('search_title')} - {site.name}"
    if not found and not query:
        heading = (
            f'<section class="category"><h1>{escape(words("search_label"))}</h1>'
            f"<p>{words('search_empty')}</p></section>"
        )
        return _document(site, title, heading, index=False)
    results = (
        f'<ul class="articles">{"".join(_link(site, shown) for shown in found)}</ul>'
        if found
        else f"<p>{words('no_match')}</p>"
    )
    if cut:
        results += f'<p class="cut">{words("cut", n=str(len(found)))}</p>'
    count = words(
        "results_1" if len(found) == 1 else "results_n", n=str(len(found)), q=escape(query)
    )
    body = f'<section class="category"><h1>{count}</h1>{results}</section>'
    return _document(site, f"{query} - {title}", body, query=query, index=False)


def not_found_page(site: Site) -> str:
    body = (
        f'<section class="category"><h1>{site.words("not_found")}</h1>'
        f"<p>{site.words('not_found_text', home=PATH)}</p></section>"
    )
    return _document(site, f"{site.words('not_found_title')} - {site.name}", body, index=False)
