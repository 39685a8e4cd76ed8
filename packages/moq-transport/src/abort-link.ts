/**
 * Many internal controllers following one caller's AbortSignal through a single listener on it.
 *
 * A caller may hand one signal to many subscriptions (the fan-out bench passes one to 50; an
 * embedder stopping a whole relay does the same). One `abort` listener per subscription on that
 * signal is not a leak (each is removed when its subscription ends), but past ten Node prints
 * `MaxListenersExceededWarning`, and raising the caller's limit is not ours to do. So every
 * subscription on the same signal shares one listener, removed with the last of them.
 */
const followers = new WeakMap<AbortSignal, { controllers: Set<AbortController>; onAbort: () => void }>();

/**
 * Aborts `child` when `parent` aborts (at once if it already has). Returns the unlink function:
 * call it when `child`'s work ends, so neither the controller nor the listener outlives it.
 */
export function followAbort(parent: AbortSignal | undefined, child: AbortController): () => void {
  if (!parent) return () => undefined;
  if (parent.aborted) {
    child.abort();
    return () => undefined;
  }
  let entry = followers.get(parent);
  if (!entry) {
    const controllers = new Set<AbortController>();
    const onAbort = () => {
      followers.delete(parent);
      for (const c of controllers) c.abort();
      controllers.clear();
    };
    entry = { controllers, onAbort };
    followers.set(parent, entry);
    parent.addEventListener("abort", onAbort, { once: true });
  }
  const e = entry;
  e.controllers.add(child);
  return () => {
    if (!e.controllers.delete(child) || e.controllers.size > 0) return;
    parent.removeEventListener("abort", e.onAbort);
    if (followers.get(parent) === e) followers.delete(parent);
  };
}
