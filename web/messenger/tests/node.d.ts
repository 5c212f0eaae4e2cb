// The little of Node's test runner and assert the tests use (the project has no @types/node).
declare module "node:test" {
  export default function test(name: string, fn: () => void | Promise<void>): void;
  export const beforeEach: (fn: () => void | Promise<void>) => void;
  export const afterEach: (fn: () => void | Promise<void>) => void;
  export const mock: {
    timers: {
      enable(options: { apis: ("setTimeout" | "setInterval" | "Date")[]; now?: number }): void;
      tick(milliseconds: number): void;
      reset(): void;
    };
  };
}

declare module "node:assert/strict" {
  const assert: {
    equal(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    ok(value: unknown, message?: string): void;
  };
  export default assert;
}

declare module "node:events" {
  export function setMaxListeners(n: number, ...targets: EventTarget[]): void;
}

declare function setImmediate(callback: () => void): unknown;
