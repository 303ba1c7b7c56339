import { defineConfig } from "vitest/config";

export default defineConfig({
  define: { HDOC_VERSION: JSON.stringify("0.0.0-test") },
  test: {
    include: ["cli/**/*.test.ts", "functions/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "dist/**", ".hdoc/**"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    pool: "forks",
    maxWorkers: 2,
  },
});
