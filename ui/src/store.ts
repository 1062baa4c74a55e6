/** A very small store: one state object, patched by actions, read by components through a hook. */
import { useEffect, useRef, useState } from "preact/hooks";

export interface Store<T> {
  get(): T;
  /** Shallow-merges a patch (or the patch a function returns for the current state). */
  set(patch: Partial<T> | ((state: T) => Partial<T>)): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (state: T) => void): () => void;
}

export function createStore<T extends object>(initial: T): Store<T> {
  let state = initial;
  const listeners = new Set<(state: T) => void>();
  return {
    get: () => state,
    set(patch) {
      const change = typeof patch === "function" ? patch(state) : patch;
      state = { ...state, ...change };
      for (const listener of [...listeners]) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The selected part of the store; the component re-renders when it changes (by `Object.is`). */
export function useStore<T, U>(store: Store<T>, select: (state: T) => U): U {
  const [, rerender] = useState(0);
  const selectRef = useRef(select);
  selectRef.current = select;
  const value = select(store.get());
  const last = useRef(value);
  last.current = value;
  useEffect(() => {
    const check = (state: T) => {
      if (!Object.is(selectRef.current(state), last.current)) rerender((n) => n + 1);
    };
    const unsubscribe = store.subscribe(check);
    // A change between render and subscription is not lost.
    check(store.get());
    return unsubscribe;
  }, [store]);
  return value;
}
