// Drives Debian's Chromium (never a browser downloaded by playwright) against the real API.
import axe from 'axe-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Missing Chromium fails the suite loudly; `npm test` installs it first (scripts/ensure-chromium.sh). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The browser tests cannot run without it: ` +
        "run `bash scripts/ensure-chromium.sh` (as root, installs Debian's chromium package) or set CHROMIUM_PATH.",
    );
  }
}

/** Builds apps/web into a fresh folder, so the tests run the current source, not a stale dist/web. */
export function buildWebApp(): string {
  const out = mkdtempSync(join(tmpdir(), 'oversight-web-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, 'apps/web/vite.config.mjs')], {
    cwd: ROOT,
    env: { ...process.env, WEB_OUT_DIR: out },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  return out;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'oversight-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'Europe/Amsterdam',
    acceptDownloads: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = axe.source;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Runs axe-core in the page (WCAG 2.1 A/AA rules) and returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string | null; help: string; targets: string }>> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)`,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).join(' ') }));
}

/** Screenshots go to SCREENSHOT_DIR (`npm run docs:screenshots` points it at docs/screenshots). */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ? join(ROOT, process.env.SCREENSHOT_DIR) : mkdtempSync(join(tmpdir(), 'oversight-shots-'));

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (statSync(path).size < 5_000) throw new Error(`screenshot ${name} is suspiciously small`);
  return path;
}

/**
 * A new page signed in with a token typed into the login form, as a user would; any text the app
 * shows without a translation is collected in `untranslated` (the suites assert it stays empty).
 */
export async function signInWithToken(browser: Browser, base: string, token: string, untranslated: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => {
    if (m.text().startsWith('untranslated text: ')) untranslated.push(m.text());
  });
  await page.goto(`${base}/`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in with token' }).click();
  return page;
}

/** A browser suite's fixture: the web app built from source, the real API serving it on a free port, Chromium. */
export interface WebSuite {
  t: TestApp;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Builds the web app, starts the API on a fresh store serving it (with `env` set first, restored
 * on close) and launches Chromium: what every browser suite's `beforeAll` needs.
 */
export async function startWebSuite(env: Record<string, string> = {}): Promise<WebSuite> {
  requireChromium();
  const savedEnv = { ...process.env };
  const webDir = buildWebApp();
  Object.assign(process.env, { WEB_DIR: webDir, ...env });
  const t = await startTestApp();
  await t.app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${((t.app.getHttpServer() as Server).address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  return {
    t,
    base,
    browser,
    close: async () => {
      await browser.close();
      await t.close();
      rmSync(webDir, { recursive: true, force: true });
      process.env = savedEnv;
    },
  };
}
