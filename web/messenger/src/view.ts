// The messenger's DOM, inside one shadow root: the launcher and its unread badge, the panel with
// its header and notice, and the screen in the panel's body (the forms, the confirmation, or the
// conversation, drawn by ConvoView). It reads the messenger's state and hands what the visitor
// does back to it; it talks to no server.

import css from "./style.css?inline";
import type { Conversation } from "./conversation";
import { ConvoView } from "./convo";
import { h, icon, ICONS, type Store } from "./dom";
import { errorText, looksLikeEmail, type FormField, type Problem } from "./errors";
import { Help } from "./help";
import { pickLocale, spoken, type Translate } from "./i18n";
import type { Files } from "./files";
import { dateLocale, headerWords, hoursCard, replyFromWords } from "./hours";
import type { Live } from "./live";
import type { Fetcher } from "./net";
import type { Status } from "./types";

export interface Config {
  color?: string;
  position?: "right" | "left";
  greeting?: string;
  locale?: string;
  launcher?: boolean;
  /** "auto" (the default) follows the visitor's system; a page that is never dark pins "light". */
  colorScheme?: "auto" | "light" | "dark";
}

export type Screen = "loading" | "chat" | "contact" | "done" | "convo" | "broken";

export interface FormValues {
  name: string;
  email: string;
  text: string;
}

/** What the view reads and calls: the messenger. */
export interface App {
  readonly t: Translate;
  readonly cfg: Config;
  readonly settings: Record<string, string | undefined>;
  readonly status: Status | null;
  readonly identity: { name?: string; email?: string } | null;
  readonly conversation: Conversation;
  readonly local: Store;
  readonly session: Store;
  readonly live: Pick<
    Live,
    "send" | "sendFiles" | "retryFiles" | "discardFiles" | "notSent" | "startTyping" | "stopTyping"
  >;
  readonly files: Pick<Files, "render">;
  /** The visitor API, for the parts that call it themselves (the rating card, the help). */
  readonly api: Fetcher;
  /** The inbox's public key (the help articles are asked for with it). */
  readonly inbox: string;
  ensureVisitor(): Promise<string>;
  toggle(): void;
  close(): void;
  startChat(values: FormValues): Promise<void>;
  sendContact(values: FormValues): Promise<void>;
  endChat(): Promise<void>;
  newChat(): void;
  /** Something about the chat held changed outside its events (the visitor gave their email). */
  chatChanged(): void;
}

const DEFAULT_COLOR = "#2563eb";
/** The visitor's system colour scheme, followed as it changes (absent in old browsers). */
const DARK = window.matchMedia?.("(prefers-color-scheme: dark)");

/** "#1d4ed8" or "#14b" → "#1d4ed8"; anything else (a typo, an injection attempt) → null. */
function hexColor(color: string | undefined): string | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((color ?? "").trim());
  if (!match) return null;
  const hex = match[1]!;
  return "#" + (hex.length === 3 ? hex.replace(/./g, "$&$&") : hex);
}

/** A #rrggbb colour → white or near-black, whichever reads better on it. */
function textOn(color: string): string {
  const n = parseInt(color.slice(1), 16);
  const channel = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum =
    0.2126 * channel(n >> 16) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  // Whichever of white and near-black (luminance 0.012) contrasts more with the colour.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.062 ? "#fff" : "#111827";
}

/** Whether an element is still on screen: in the page and not inside a hidden part. */
function shown(element: Element | null): boolean {
  return element !== null && element.isConnected && element.closest("[hidden]") === null;
}

/** What the form can tell before asking the server; the server has the last word. */
function checkForm(t: Translate, values: FormValues, online: boolean): Problem[] {
  const problems: Problem[] = [];
  if (!online && !values.name) problems.push({ field: "name", text: t("nameRequired") });
  if (!online && !values.email) problems.push({ field: "email", text: t("emailRequired") });
  else if (values.email && !looksLikeEmail(values.email)) {
    problems.push({ field: "email", text: t("emailInvalid") });
  }
  if (!values.text.trim()) problems.push({ field: "text", text: t("messageRequired") });
  return problems;
}

function hostStyle(visibility: "hidden" | "visible"): string {
  return (
    "all:initial!important;display:block!important;position:fixed!important;" +
    "top:0!important;left:0!important;width:0!important;height:0!important;" +
    `z-index:2147483647!important;visibility:${visibility}!important;opacity:1!important`
  );
}

/**
 * Our CSS as a constructed stylesheet: a page whose policy refuses inline styles
 * (`style-src 'self'`) still lets a script build one, where a <style> element would be refused.
 * False in browsers without adoptedStyleSheets (Safari before 16.4), which get a <style>.
 */
function adopt(shadow: ShadowRoot): boolean {
  try {
    if (!("adoptedStyleSheets" in shadow) || !("replaceSync" in CSSStyleSheet.prototype)) return false;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
    return true;
  } catch {
    return false;
  }
}

/** A phone: narrow or short (landscape), or a touch screen no wider than a phone on a page
 * without `<meta name=viewport>` (laid out 980 px wide, so no width query matches). */
const SMALL = window.matchMedia?.("(max-width: 480px), (max-height: 500px)");
const COARSE = window.matchMedia?.("(pointer: coarse)");

/** Keeps the root's `phone` class (and what follows from it: `laidOut`) and, for the full-screen
 * panel, the height of what is visible of the page (the visual viewport: above the on-screen
 * keyboard). */
function watchScreen(root: () => HTMLElement, laidOut: () => void): () => void {
  const viewport = window.visualViewport;
  const update = (): void => {
    const el = root();
    const touch = Boolean(COARSE?.matches);
    el.classList.toggle("phone", Boolean(SMALL?.matches) || (touch && Math.min(screen.width, screen.height) <= 480));
    laidOut();
    // Without a viewport tag the page is laid out wider than the screen and shown shrunk: the
    // panel is zoomed back so that its words are the size they are everywhere else.
    // (iOS does not turn screen.width with the phone: the screen's width across is taken from
    // which way the page is.)
    const [short, long] = [Math.min(screen.width, screen.height), Math.max(screen.width, screen.height)];
    const across = innerWidth > innerHeight ? long : short;
    const zoom = touch && innerWidth > across * 1.2 ? innerWidth / across : 1;
    el.style.setProperty("--zoom", String(zoom));
    if (viewport) {
      // Lengths inside a zoomed element are zoomed too: these are divided back.
      el.style.setProperty("--vh", `${viewport.height / zoom}px`);
      el.style.setProperty("--vtop", `${viewport.offsetTop / zoom}px`);
    }
  };
  update();
  SMALL?.addEventListener?.("change", update);
  COARSE?.addEventListener?.("change", update);
  window.addEventListener("resize", update);
  viewport?.addEventListener("resize", update);
  viewport?.addEventListener("scroll", update);
  return update;
}

export class View {
  isOpen = false;
  launcherHidden = false;
  screen: Screen = "loading";
  convo!: ConvoView;

  readonly host: HTMLElement;
  private readonly shadow: ShadowRoot;
  /** Our stylesheet, adopted by the shadow root; false where browsers cannot (a <style> then). */
  private readonly sheet: boolean;
  /** Our styles apply: a strict policy that refused them leaves us hidden (docs/messenger.md). */
  private readonly styled: boolean;
  private typedAt = 0;
  /** Hidden while the words come (hold); the focus an open() gave meanwhile waits for the end. */
  private held = false;
  private focusLater = false;
  private fitScreen?: () => void;
  private root!: HTMLElement;
  private launcher!: HTMLButtonElement;
  private badge!: HTMLElement;
  private panel!: HTMLElement;
  private headerTitle!: HTMLElement;
  private headerSub!: HTMLElement;
  private muteButton!: HTMLButtonElement;
  private notice!: HTMLElement;
  /** Said to screen readers, once: the chat ended while the panel was open. */
  private announcer!: HTMLElement;
  /** The chat last drawn going on (not ended): its end, drawn next, is announced. */
  private going: number | null = null;
  private body!: HTMLElement;
  /** The form on screen: each input with the words that say what is wrong with it. */
  private inputs = new Map<FormField, { control: HTMLElement; error: HTMLElement; hint: string }>();
  /** The help articles' search on the start view, and an article opened from it. */
  private readonly help: Help;
  /** What a part loaded later added (proactive.ts): beside the launcher, and its styles. */
  private extras: HTMLElement[] = [];
  private extraCss = "";

  constructor(private readonly app: App) {
    this.host = document.createElement("frontdesk-messenger");
    // The host page's CSS must not reach in: reset everything that could be inherited or set
    // on our element, with !important to beat hostile `* { … !important }` rules.
    // The highest z-index there is: a page's own fixed header or cookie banner at the same
    // value is drawn under us, since we come after <body> in the tree (appended to <html>).
    // Hidden until our stylesheet applies: unstyled, we would be a mess over the page.
    this.host.style.cssText = hostStyle("hidden");
    // Open, not closed: see docs/messenger.md ("Shadow DOM").
    this.shadow = this.host.attachShadow({ mode: "open" });
    this.sheet = adopt(this.shadow);
    this.help = new Help(
      app,
      (content) => this.body.replaceChildren(content),
      (focus) => {
        this.renderScreen();
        this.shadow.getElementById(focus === "help" ? "fd-help" : "fd-message")?.focus();
      },
    );
    this.build();
    DARK?.addEventListener("change", () => this.restyle());
    // On <html>, not <body>: a transform on the host's <body> would otherwise anchor our
    // position:fixed launcher to the body instead of the viewport.
    document.documentElement.appendChild(this.host);
    // Applied at once when allowed; a <style> a strict policy refused leaves the launcher static.
    this.styled = getComputedStyle(this.launcher).position === "fixed";
    if (!this.styled) console.warn("frontdesk: the page's Content-Security-Policy refused the messenger's styles");
    this.hold(false);
    // A window turned or resized between phone and desktop: the panel is modal or not with it.
    this.fitScreen = watchScreen(
      () => this.root,
      () => this.panel.setAttribute("aria-modal", String(this.modal())),
    );
  }

  /** Hidden, held, while the words of the language spoken are on their way (Messenger.loadWords):
   * nothing shows in another language first. Shown otherwise, once our styles apply. */
  hold(held: boolean): void {
    this.held = held;
    this.host.style.cssText = hostStyle(this.styled && !held ? "visible" : "hidden");
    // Opened while held (open() from the page): a hidden panel takes no focus, so it is given now.
    if (!held && this.focusLater) {
      this.focusLater = false;
      if (this.isOpen) this.focusPanel();
    }
  }

  /** Everything, from scratch: at start and after a change of language. */
  build(): void {
    const t = this.app.t;
    this.launcher = h(
      "button",
      {
        type: "button",
        class: "launcher",
        "aria-label": t("open"),
        "aria-expanded": "false",
        onclick: () => this.app.toggle(),
      },
      h("span", { class: "launcher-icon open-icon" }, icon(...ICONS.chat)),
      h("span", { class: "launcher-icon close-icon" }, icon(...ICONS.down)),
    );
    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher.appendChild(this.badge);

    this.headerTitle = h("h2", { class: "title", id: "fd-title" });
    this.headerSub = h("p", { class: "subtitle" });
    this.muteButton = h("button", {
      type: "button",
      class: "icon-button",
      onclick: () => this.toggleMute(),
    });
    this.notice = h("div", { class: "notice", role: "alert", hidden: true });
    // In the panel from the start: a live region shown together with its words (the ended
    // card, hidden until then) is not read by every screen reader.
    this.announcer = h("div", { class: "sr", role: "status", "aria-live": "polite" });
    this.body = h("div", { class: "body" });
    this.panel = h(
      "section",
      {
        class: "panel",
        role: "dialog",
        "aria-labelledby": "fd-title",
        hidden: true,
      },
      h(
        "header",
        { class: "header" },
        h("div", { class: "heading" }, this.headerTitle, this.headerSub),
        this.muteButton,
        h(
          "button",
          {
            type: "button",
            class: "icon-button",
            "aria-label": t("close"),
            title: t("close"),
            onclick: () => this.app.close(),
          },
          icon(...ICONS.close),
        ),
      ),
      this.notice,
      this.announcer,
      this.body,
    );
    this.root = h(
      "div",
      {
        class: "fd",
        onkeydown: (event: Event) => {
          const key = (event as KeyboardEvent).key;
          if (key === "Escape" && this.isOpen) {
            event.stopPropagation();
            this.app.close();
          } else if (key === "Tab") this.trapFocus(event as KeyboardEvent);
        },
      },
      this.panel,
      ...this.extras,
      this.launcher,
    );
    this.shadow.replaceChildren(...(this.sheet ? [] : [h("style", { text: css + this.extraCss })]), this.root);
    this.buildConvo();
    this.restyle();
    this.renderHeader();
    this.renderMute();
    this.renderBadge(this.app.conversation.unread);
    if (this.launcherHidden) this.hide();
    this.fitScreen?.();
  }

  /** A fresh conversation screen for the chat held (not shown until the convo screen is). */
  buildConvo(): void {
    this.convo = new ConvoView(this.app);
    this.renderChatState();
  }

  restyle(): void {
    const { cfg, settings } = this.app;
    const color = hexColor(cfg.color) ?? hexColor(settings.color) ?? DEFAULT_COLOR;
    this.root.style.setProperty("--accent", color);
    this.root.style.setProperty("--on-accent", textOn(color));
    const position = cfg.position || settings.position;
    this.root.classList.toggle("left", position === "left");
    this.launcher.hidden = this.launcherHidden || cfg.launcher === false;
    this.root.setAttribute("lang", spoken(cfg.locale));
    const scheme = cfg.colorScheme;
    this.root.classList.toggle(
      "dark",
      scheme === "dark" || (scheme !== "light" && Boolean(DARK?.matches)),
    );
  }

  /** A part loaded later: its element before the launcher, its styles after ours. */
  extend(element: HTMLElement, styles: string): void {
    this.extras.push(element);
    this.extraCss += styles;
    if (this.sheet) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(styles);
      this.shadow.adoptedStyleSheets = [...this.shadow.adoptedStyleSheets, sheet];
      this.root.insertBefore(element, this.launcher);
    } else this.build();
  }

  /** Whether the panel covers the whole screen (a phone): it is modal then. */
  private modal(): boolean {
    return this.root.classList.contains("phone");
  }

  /** On a phone the panel covers the page, which the keyboard must not reach behind it: Tab
   * from its last control goes to its first, Shift+Tab from its first to its last. (A panel
   * beside the page on a larger screen is no dialog that blocks it: Tab goes on to the page.) */
  private trapFocus(event: KeyboardEvent): void {
    if (!this.isOpen || !this.modal()) return;
    const focusable = [
      ...this.panel.querySelectorAll<HTMLElement>(
        "button, [href], input, textarea, select, [tabindex]:not([tabindex='-1'])",
      ),
    ].filter(
      (el) => !(el as HTMLButtonElement).disabled && el.tabIndex >= 0 && shown(el) && el.getClientRects().length > 0,
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    const active = this.shadow.activeElement;
    const inside = active !== null && this.panel.contains(active);
    if (event.shiftKey ? active === first || !inside : active === last || !inside) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  open(): void {
    this.isOpen = true;
    this.panel.hidden = false;
    this.panel.setAttribute("aria-modal", String(this.modal()));
    this.root.classList.add("is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", this.app.t("close"));
  }

  /** Closes the panel; true when the focus was in it. */
  close(): boolean {
    const active = this.shadow.activeElement;
    const hadFocus = active !== null && this.panel.contains(active);
    this.isOpen = false;
    this.panel.hidden = true;
    this.root.classList.remove("is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    return hadFocus;
  }

  focusLauncher(): void {
    if (!this.launcherHidden && this.app.cfg.launcher !== false) this.launcher.focus();
  }

  hide(): void {
    this.launcherHidden = true;
    this.launcher.hidden = true;
  }

  show(): void {
    this.launcherHidden = false;
    this.launcher.hidden = this.app.cfg.launcher === false;
  }

  renderBadge(count: number): void {
    const t = this.app.t;
    this.badge.hidden = count === 0;
    this.badge.textContent = count > 9 ? "9+" : String(count);
    if (!this.isOpen) {
      this.launcher.setAttribute(
        "aria-label",
        count ? `${t("open")} (${t("unread", { n: count })})` : t("open"),
      );
    }
  }

  renderHeader(): void {
    const { t, status, conversation } = this.app;
    const chat = conversation.chat;
    const name = status?.inbox_name || t("agent");
    this.headerTitle.textContent = name;
    this.panel.setAttribute("aria-label", t("dialog", { inbox: name }));
    let sub: string;
    if (chat && this.screen === "convo") {
      const names = [...this.convo.agents.values()];
      if (chat.state === "ended") sub = t("ended");
      else if (names.length) sub = t("chattingWith", { names: names.join(", ") });
      // Past the usual wait, "shortly" is no longer true.
      else sub = this.convo.late() ? t("headerWaitingLong") : t("shortly");
    } else if (status) {
      sub = headerWords(t, status);
    } else sub = "";
    this.headerSub.textContent = sub;
  }

  /** The chat's state drawn again; the focus, when the part it was on went (the composer or
   * "End chat" of a chat that just ended), goes to what replaced it: the ended card's button. */
  renderChatState(): void {
    const focused = this.shadow.activeElement;
    const hadFocus = focused !== null && this.panel.contains(focused);
    this.convo.renderState();
    this.renderHeader();
    this.announceEnd();
    if (hadFocus && this.screen === "convo" && !shown(this.shadow.activeElement)) this.focusPanel();
  }

  /** A chat seen going on that is now ended: said once, whoever ended it and however the news
   * came (its event, the answer to End chat, a refusal and the history read again). The ended
   * card itself is no live region: drawn again, it would be read again. */
  private announceEnd(): void {
    const chat = this.app.conversation.chat;
    if (chat && chat.state !== "ended") {
      // A chat going on: the last one's end is not to be found by a screen reader any more.
      if (this.going !== chat.id) this.announcer.replaceChildren();
      this.going = chat.id;
      return;
    }
    if (!chat || this.going !== chat.id) return;
    this.going = null;
    if (!this.isOpen || this.screen !== "convo") return;
    const words = [...this.convo.ended.querySelectorAll(":scope > p")].map((p) => p.textContent).join(" ");
    this.announcer.replaceChildren(h("p", { text: words }));
  }

  private renderMute(): void {
    const t = this.app.t;
    const muted = Boolean(this.app.local.get("muted"));
    this.muteButton.replaceChildren(icon(...(muted ? ICONS.muted : ICONS.sound)));
    // A toggle keeps one label; aria-pressed says whether it is on.
    this.muteButton.setAttribute("aria-label", t("mute"));
    this.muteButton.setAttribute("title", muted ? t("unmute") : t("mute"));
    this.muteButton.setAttribute("aria-pressed", String(muted));
  }

  private toggleMute(): void {
    const local = this.app.local;
    local.set("muted", local.get("muted") ? null : true);
    this.renderMute();
  }

  showNotice(text: string | null): void {
    this.notice.hidden = !text;
    this.notice.textContent = text ?? "";
  }

  showError(error: unknown): void {
    this.showNotice(errorText(this.app.t, error));
  }

  /** A refused form: each problem next to its input (the first one focused), the rest above. */
  showProblems(problems: Problem[]): void {
    const general = problems.filter((p) => !p.field || !this.inputs.has(p.field));
    this.showNotice(general.map((p) => p.text).join(" ") || null);
    let first: HTMLElement | null = null;
    for (const [field, { control, error, hint }] of this.inputs) {
      const problem = problems.find((p) => p.field === field);
      error.textContent = problem?.text ?? "";
      error.hidden = !problem;
      if (problem) {
        control.setAttribute("aria-invalid", "true");
        first ??= control;
      } else control.removeAttribute("aria-invalid");
      const describedBy = [problem ? error.id : "", hint].filter(Boolean).join(" ");
      if (describedBy) control.setAttribute("aria-describedby", describedBy);
      else control.removeAttribute("aria-describedby");
    }
    first?.focus();
  }

  /** The visitor is fixing an input: what was wrong with it no longer holds. */
  private clearProblem(field: FormField): void {
    const input = this.inputs.get(field);
    if (!input || input.error.hidden) return;
    input.error.hidden = true;
    input.control.removeAttribute("aria-invalid");
    if (input.hint) input.control.setAttribute("aria-describedby", input.hint);
    else input.control.removeAttribute("aria-describedby");
  }

  /** The connection is back: an "offline" notice no longer holds. */
  clearOffline(): void {
    if (this.notice.textContent === this.app.t("offlineError")) this.showNotice(null);
  }

  setScreen(screen: Screen): void {
    this.screen = screen;
    this.renderScreen();
  }

  renderScreen(): void {
    const { t, session } = this.app;
    const focusWasInside = this.body.contains(this.shadow.activeElement);
    this.inputs.clear();
    let content: HTMLElement;
    switch (this.screen) {
      case "convo":
        content = this.convo.root;
        break;
      case "chat":
      case "contact":
        content = h("div", { class: "start" }, this.help.box(), this.form(this.screen));
        break;
      case "done":
        content = h(
          "div",
          { class: "done" },
          h("span", { class: "done-icon" }, icon(...ICONS.check)),
          h("p", { class: "done-title", text: t("thanks") }),
          h("p", { text: t("reference", { n: session.get<number>("reference") ?? "" }) }),
          h("p", {
            class: "hours-back",
            text: replyFromWords(t, dateLocale(pickLocale(this.app.cfg.locale)), session.get("replyFrom")),
          }),
          h("button", {
            type: "button",
            class: "secondary",
            text: t("anotherMessage"),
            onclick: () => {
              session.set("reference", null);
              this.setScreen("contact");
              this.focusPanel();
            },
          }),
        );
        break;
      case "broken":
        content = h("p", { class: "empty", text: t("misconfigured") });
        break;
      default:
        content = h("p", { class: "empty", text: t("loading") });
    }
    this.body.replaceChildren(content);
    this.body.classList.toggle("is-convo", this.screen === "convo");
    this.renderHeader();
    // Opened before there was anything to fill in (the inbox's state still on its way): the
    // focus waited on the header's button, and goes to the form once it is drawn.
    const parked = this.focusParked !== null && this.shadow.activeElement === this.focusParked;
    if (focusWasInside || parked) this.focusPanel();
  }

  /** Whether the visitor typed in a field in the last few seconds: a form must not change under
   * their fingers (what they typed survives a change; the cursor would not). */
  typing(): boolean {
    return Date.now() - this.typedAt < 5_000;
  }

  // Where focusPanel put the focus when the screen had nothing to take it; null otherwise.
  private focusParked: HTMLElement | null = null;

  focusPanel(): void {
    if (this.held) {
      this.focusLater = true;
      return;
    }
    const target =
      this.screen === "convo"
        ? this.app.conversation.chat?.state === "ended"
          ? this.convo.ended.querySelector("button")
          : this.convo.input
        : ([...this.body.querySelectorAll<HTMLInputElement>(".form input, .form textarea")].find(
            (field) => !field.value,
          ) ?? this.body.querySelector("button"));
    const chosen = target ?? this.panel.querySelector<HTMLElement>(".icon-button");
    this.focusParked = target ? null : chosen;
    chosen?.focus();
  }

  private form(kind: "chat" | "contact"): HTMLElement {
    const { t, session, identity, cfg, settings } = this.app;
    const draft = (field: string): string => session.get<string>(`draft:${field}`) ?? "";
    this.inputs.clear();
    const field = (
      name: FormField,
      label: string,
      control: HTMLInputElement | HTMLTextAreaElement,
      hint?: string,
    ): HTMLElement => {
      // The draft keys and element ids predate the API's name for the message ("text").
      const id = name === "text" ? "message" : name;
      const optional = control.required ? null : h("span", { class: "optional", text: t("optional") });
      const hintId = hint ? `fd-${id}-hint` : "";
      const error = h("p", { class: "field-error", id: `fd-${id}-error`, hidden: true });
      control.id = `fd-${id}`;
      control.addEventListener("input", () => {
        this.typedAt = Date.now();
        session.set(`draft:${id}`, control.value);
        this.clearProblem(name);
      });
      if (hint) control.setAttribute("aria-describedby", hintId);
      this.inputs.set(name, { control, error, hint: hintId });
      return h(
        "div",
        { class: "field" },
        h("label", { for: `fd-${id}` }, label, optional && " ", optional),
        control,
        error,
        hint ? h("p", { class: "hint", id: hintId, text: hint }) : null,
      );
    };
    const online = kind === "chat";
    const name = h("input", { type: "text", autocomplete: "name", required: !online });
    name.value = draft("name") || identity?.name || "";
    const email = h("input", { type: "email", autocomplete: "email", required: !online });
    email.value = draft("email") || identity?.email || "";
    // No maxlength: the server's limit (FRONTDESK_MAX_MESSAGE_LENGTH) is the one that counts, and
    // its refusal says so and keeps the text; a cap here cut pasted text silently.
    const message = h("textarea", { rows: 4, required: true, dir: "auto" });
    message.value = draft("message");
    const submit = h("button", {
      type: "submit",
      class: "primary",
      text: online ? t("startChat") : t("sendMessage"),
    });
    const greeting = online
      ? cfg.greeting || settings.greeting || t("greeting")
      : settings.greeting_offline || t("greetingOffline");
    // Opened from a proactive message: it is the agent's first line (docs/messenger.md).
    const line = online && session.get<{ text: string; sender: { name: string } }>("proactive");
    return h(
      "form",
      {
        class: "form",
        // The browser's own bubbles would speak the browser's language, not the visitor's.
        novalidate: true,
        onsubmit: (event: Event) => {
          event.preventDefault();
          const values = { name: name.value.trim(), email: email.value.trim(), text: message.value };
          const problems = checkForm(t, values, online);
          this.showProblems(problems);
          if (problems.length) return;
          submit.disabled = true;
          submit.textContent = t("sending");
          const done = online ? this.app.startChat(values) : this.app.sendContact(values);
          void done.finally(() => {
            submit.disabled = false;
            submit.textContent = online ? t("startChat") : t("sendMessage");
          });
        },
      },
      hoursCard(t, dateLocale(pickLocale(cfg.locale)), this.app.status) ??
        (line
          ? h("p", { class: "msg agent" }, h("span", { class: "author" }, line.sender.name, h("span", { class: "sr", text: ": " })), line.text)
          : h("p", { class: "greeting", text: greeting })),
      field("name", t("name"), name),
      field("email", t("email"), email, online ? t("emailChatHint") : t("emailContactHint")),
      field("text", t("message"), message),
      submit,
    );
  }
}
