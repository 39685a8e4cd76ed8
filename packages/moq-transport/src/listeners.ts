/**
 * Lifts Node's listener-count warning on one of our own AbortSignals, and does nothing elsewhere.
 *
 * Node prints `MaxListenersExceededWarning` past ten `abort` listeners on one signal; an internal
 * signal followed by many waits is not a leak. Browsers have no such warning and no `node:events`,
 * so the module is looked up at run time (`process.getBuiltinModule`, Node >= 20.16) instead of
 * imported: the browser entry's import graph stays free of Node built-ins.
 */
type SetMaxListeners = (n: number, ...targets: EventTarget[]) => void;

const setMax: SetMaxListeners | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const events = proc?.getBuiltinModule?.("node:events") as { setMaxListeners?: SetMaxListeners } | undefined;
  return typeof events?.setMaxListeners === "function" ? events.setMaxListeners : undefined;
})();

/** Allows any number of listeners on `signal` (Node only; a no-op in browsers). */
export function allowManyListeners(signal: AbortSignal): void {
  setMax?.(0, signal);
}
