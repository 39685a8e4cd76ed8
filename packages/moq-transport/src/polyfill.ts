/**
 * Node 20 lacks two ES2024/2025 built-ins that `@moq/lite` 0.2.2 and `@moq/qmux` call:
 * - `Promise.withResolvers`: without it `Connection.connect()` and every qmux `Session` throw a TypeError.
 * - `Set.prototype.difference`: without it the publisher's announce loop throws when a broadcast is
 *   published after a peer started listening, which resets the announce stream.
 * They are installed here, once, only when missing, and nowhere else in the project.
 */
export {};

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof P.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>["resolve"];
      let reject!: Resolvers<T>["reject"];
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

const S = Set.prototype as unknown as { difference?: unknown };
if (typeof S.difference !== "function") {
  Object.defineProperty(Set.prototype, "difference", {
    configurable: true,
    writable: true,
    // Only the Set-argument form is needed by the libraries; `other.has` covers set-likes too.
    value: function difference<T>(this: Set<T>, other: { has(v: T): boolean }): Set<T> {
      const out = new Set<T>();
      for (const v of this) if (!other.has(v)) out.add(v);
      return out;
    },
  });
}
