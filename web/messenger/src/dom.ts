// A tiny element builder. Text always goes in as text nodes: nothing a visitor or an agent
// writes is ever parsed as HTML.

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "text") element.textContent = String(value ?? "");
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value != null) element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child) parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** A 24×24 stroked icon from constant path data (never from data). */
export function icon(...paths: string[]): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

export const ICONS = {
  chat: ["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  down: ["M6 9l6 6 6-6"],
  send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
  sound: ["M4 9v6h4l5 4V5L8 9z", "M16.5 8.5a5 5 0 0 1 0 7", "M19 6a8.5 8.5 0 0 1 0 12"],
  muted: ["M4 9v6h4l5 4V5L8 9z", "M17 9l5 6", "M22 9l-5 6"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
};

/** Storage that never throws: blocked or full storage only costs continuity, not the chat. */
export class Store {
  constructor(
    private readonly area: () => Storage,
    readonly prefix: string,
  ) {}

  get<T>(key: string): T | null {
    try {
      const raw = this.area().getItem(this.prefix + key);
      return raw == null ? null : (JSON.parse(raw) as T);
    } catch {
      return null;
    }
  }

  set(key: string, value: unknown): void {
    try {
      if (value == null) this.area().removeItem(this.prefix + key);
      else this.area().setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // Ignored on purpose: see the class comment.
    }
  }

  /** Our keys (without the prefix) that start with `start`. */
  keys(start: string): string[] {
    try {
      const area = this.area();
      const found: string[] = [];
      for (let i = 0; i < area.length; i++) {
        const key = this.owns(area.key(i));
        if (key?.startsWith(start)) found.push(key);
      }
      return found;
    } catch {
      return [];
    }
  }

  owns(fullKey: string | null): string | null {
    return fullKey?.startsWith(this.prefix) ? fullKey.slice(this.prefix.length) : null;
  }
}
