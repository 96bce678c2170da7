import { defineConfig, type LaunchOptions } from '@playwright/test';

/**
 * End-to-end tests for the customer self-service portal.
 *
 * `global-setup.ts` starts `portal serve` on a fresh SQLite database and a free port and exports
 * `E2E_BASE_URL` / `E2E_SERVER_LOG`; worker processes inherit that environment and re-read this file,
 * so `baseURL` below picks the address up there. When `E2E_BASE_URL` is already set before the run,
 * nothing is started and the tests use that server (set `E2E_SERVER_LOG` too for the magic-link tests).
 *
 * Every spec runs twice: `hydrated` (the WASM bundle hydrates the page) and `no-js` (JavaScript off,
 * the server-rendered HTML and plain form posts must work on their own).
 */

const isCI = !!process.env.CI;

// Debian's Chromium: Playwright's own browser download is not reachable from this machine.
const launchOptions: LaunchOptions = {
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  timeout: 30_000,
  expect: {
    // Password hashing in a debug build can take a few seconds; give server round trips some room.
    timeout: 10_000,
  },
  retries: 0,
  // The machine has 2 cores, shared by Chromium, the portal server and the workers.
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : isCI ? 1 : 2,
  fullyParallel: false,
  forbidOnly: isCI,
  // `summary` ends the output with a plain `e2e: N passed, N failed, N skipped` line.
  reporter: [['list'], ['./reporters/summary.ts']],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    locale: 'en-GB',
    trace: 'retain-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
  projects: [
    {
      name: 'hydrated',
      use: { javaScriptEnabled: true, launchOptions },
    },
    {
      name: 'no-js',
      use: { javaScriptEnabled: false, launchOptions },
    },
  ],
});
