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
  },
});
