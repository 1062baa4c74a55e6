import { defineConfig } from "vitest/config";

// The desk loads only its own bundle: no CDN, no remote fonts, no inline scripts (CSP).
export default defineConfig({
  clearScreen: false,
  base: "./",
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  test: {
    environment: "happy-dom",
    // axe-core over a whole screen takes ~1.7 s alone and over 5 s (vitest's default) on a loaded 2-core machine.
    testTimeout: 20_000,
  },
});
