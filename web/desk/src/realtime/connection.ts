/** The one socket of this tab. Stores send commands through it; ./index.ts routes its events. */
import { DeskSocket, type Envelope } from "./socket";

type Hooks = {
  event: (envelope: Envelope) => void;
  resumed: (afterDrop: boolean) => void;
  unauthenticated: () => void;
};

const hooks: Hooks = { event: () => undefined, resumed: () => undefined, unauthenticated: () => undefined };

export function setHooks(next: Hooks): void {
  Object.assign(hooks, next);
}

export const socket = new DeskSocket(
  (envelope) => hooks.event(envelope),
  (afterDrop) => hooks.resumed(afterDrop),
  () => hooks.unauthenticated(),
);
