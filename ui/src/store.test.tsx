import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { createStore, useStore } from "./store";

describe("store", () => {
  it("merges patches and tells subscribers", () => {
    const store = createStore({ a: 1, b: "x" });
    const seen: number[] = [];
    const stop = store.subscribe((s) => seen.push(s.a));
    store.set({ a: 2 });
    store.set((s) => ({ a: s.a + 1 }));
    stop();
    store.set({ a: 10 });
    expect(store.get()).toEqual({ a: 10, b: "x" });
    expect(seen).toEqual([2, 3]);
  });

  it("re-renders a component only when its part changes", async () => {
    const store = createStore({ a: 1, b: 1 });
    let renders = 0;
    function Show() {
      renders += 1;
      return <span>{useStore(store, (s) => s.a)}</span>;
    }
    const root = document.createElement("div");
    await act(() => render(<Show />, root));
    await act(() => store.set({ b: 2 }));
    expect(renders).toBe(1);
    await act(() => store.set({ a: 5 }));
    expect(root.textContent).toBe("5");
    expect(renders).toBe(2);
    render(null, root);
  });
});
