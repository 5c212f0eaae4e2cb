// The few browser globals the desk's modules use (window, document, navigator, location), for
// tests that load stores and API clients under Node. Imported before any module of the desk;
// `Request` resolves "/api/..." against the page, as a browser does. Each test sets its own
// `fetch` (and, where it needs one, `WebSocket`) on `g`.

export const ORIGIN = "http://desk.test";

export const g = globalThis as unknown as Record<string, unknown>;
g.window = globalThis;
// Enough of a document for Vue's DOM runtime, which Pinia brings along.
g.document = { documentElement: {}, cookie: "", createElement: () => ({}) };
g.navigator ??= { language: "en" };
g.location = { protocol: "http:", host: "desk.test" };
const NodeRequest = globalThis.Request;
g.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, ORIGIN) : input, init);
  }
};
