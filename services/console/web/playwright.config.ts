import { defineConfig } from '@playwright/test'

// Debian's Chromium, driven through playwright-core: no browser download (npx playwright install cannot run here).
const chromium = process.env.FC_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: './e2e',
  outputDir: process.env.E2E_OUTPUT_DIR ?? './test-results',
  timeout: 600_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.CONSOLE_URL ?? 'http://127.0.0.1:8000',
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    actionTimeout: 20_000,
    // A failing test also leaves the page it failed on (test-failed-1.png in its folder under outputDir), besides
    // the screenshots the specs take themselves where they end.
    screenshot: { mode: 'only-on-failure', fullPage: true },
    // Loopback only: anything else goes to a proxy on a closed port and fails (and the specs assert no page asked).
    proxy: { server: 'http://127.0.0.1:9', bypass: '127.0.0.1,localhost' },
    launchOptions: {
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // A fresh --user-data-dir: Playwright launches every browser on a new temporary profile of its own
      // (it refuses the flag in args and removes the profile afterwards).
    },
  },
})
