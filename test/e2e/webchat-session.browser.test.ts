/**
 * The real widget keeps its conversation: Debian's headless Chromium on the demo page, the real bot, state and
 * the Direct Line log in one SQLite file. The server is stopped and started again on the same port and file
 * while the page stays open, and the chat goes on; then the page is reloaded and the history is back.
 */
import { launchChromium } from '../helpers/browser';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createI18n, translatorFor } from '../../src/core/i18n';
import type { RunningApp } from '../../src/index';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { createTestApp } from '../helpers/create-test-app';

jest.setTimeout(120_000);

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SESSION_KEY = 'gatewayDoctor.session';
const t = translatorFor(createI18n(), 'en');

/** The fixed start of a translated sentence, before its first variable; the widget typesets quotes (' as ’). */
const startOf = (key: Parameters<typeof t>[0]): RegExp => {
  const prefix = t(key, { host: '\u0000', time: '\u0000', hours: 0 }).split('\u0000')[0] ?? '';
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/'/g, "['’]").replace(/"/g, '["“”]')}`);
};

describe('the widget across a server restart and a page reload', () => {
  let app: RunningApp | undefined;
  let site: LoopbackServer;
  let browser: Browser;
  let page: Page;
  let tempDir: string;
  const problems: string[] = [];

  beforeAll(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'gd-session-e2e-'));
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end('<h1>502 Bad Gateway</h1><hr><center>nginx</center>');
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await site?.close();
    rmSync(tempDir, { recursive: true, force: true });
  });

  const env = () => ({ STORAGE: `sqlite:${join(tempDir, 'chat.sqlite')}`, WEBCHAT_TOKEN_SECRET: 'browser-session-secret-0123456789' });
  const savedSession = async () =>
    JSON.parse((await page.evaluate((key) => window.sessionStorage.getItem(key), SESSION_KEY)) ?? 'null') as {
      conversationId: string;
      token: string;
    } | null;
  const watchButton = () => page.locator('.ac-pushButton', { hasText: t('choice.watch') });
  const confirmation = () => page.locator('.webchat__bubble__content').getByText(startOf('watch.confirmed'));

  it('goes on after the server restarts, and shows its history after a reload', async () => {
    app = await createTestApp(env());
    const port = app.port;
    page = await browser.newPage({ locale: 'en-US' });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/embed/frame`);
    await page.locator(SEND_BOX).waitFor();
    const report = `${site.url} shows 502 Bad Gateway`;
    await page.locator(SEND_BOX).fill(report);
    await page.locator(SEND_BOX).press('Enter');
    await watchButton().first().waitFor({ timeout: 30_000 });
    const before = await savedSession();
    expect(before?.conversationId).toBeTruthy();

    await app.close();
    app = undefined;
    app = await createTestApp({ ...env(), PORT: String(port) });

    // The widget reconnects on its own; a click that lands while it is still offline is retried. Once a click
    // reached the bot its card loses the button, and only the confirmation is left to wait for (a loaded
    // machine may take longer than one attempt's wait for it).
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      if ((await watchButton().count()) === 0) break;
      await watchButton()
        .last()
        .click({ timeout: 10_000 })
        .catch(() => undefined);
      if (
        await confirmation()
          .first()
          .waitFor({ timeout: 10_000 })
          .then(
            () => true,
            () => false,
          )
      )
        break;
    }
    await confirmation().first().waitFor({ timeout: 30_000 });
    expect((await savedSession())?.conversationId).toBe(before?.conversationId);

    await page.reload();
    await page.locator('.webchat__bubble__content').getByText(report, { exact: false }).first().waitFor({ timeout: 30_000 });
    await confirmation().first().waitFor({ timeout: 10_000 });
    expect((await savedSession())?.conversationId).toBe(before?.conversationId);
    expect(problems).toEqual([]);
  });

  it('keeps the embedded chat open, with its conversation, across a navigation on the host site', async () => {
    if (!app) app = await createTestApp(env());
    const botOrigin = `http://127.0.0.1:${app.port}`;
    const host = await createHttpServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1></main>
        <script src="${botOrigin}/embed.js" async></script></body></html>`);
    });
    const embedPage = await browser.newPage({ locale: 'en-US' });
    try {
      await embedPage.goto(`${host.url}/first`);
      await embedPage.locator('button[data-gd-embed="button"]').click();
      const frameOf = () => embedPage.frames().find((f) => f.url().includes('/embed/frame'));
      await embedPage.waitForFunction(() => document.querySelector('iframe[data-gd-embed="frame"]') !== null);
      let frame = frameOf();
      for (let i = 0; !frame && i < 100; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        frame = frameOf();
      }
      if (!frame) throw new Error('the chat frame did not load');
      await frame.locator(SEND_BOX).waitFor({ timeout: 30_000 });
      const report = `${site.url} is giving me a 502`;
      await frame.locator(SEND_BOX).fill(report);
      await frame.locator(SEND_BOX).press('Enter');
      await frame
        .locator('.ac-pushButton', { hasText: t('choice.watch') })
        .first()
        .waitFor({ timeout: 30_000 });

      await embedPage.goto(`${host.url}/second`);
      await embedPage.locator('[data-gd-embed="panel"]').waitFor({ state: 'visible' });
      expect(await embedPage.locator('button[data-gd-embed="button"]').getAttribute('aria-expanded')).toBe('true');
      let again = frameOf();
      for (let i = 0; !again && i < 100; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = frameOf();
      }
      if (!again) throw new Error('the chat frame did not load again');
      await again.locator('.webchat__bubble__content').getByText(report, { exact: false }).first().waitFor({ timeout: 30_000 });
      // Reopened by itself, the panel left the focus where the page had it.
      expect(await embedPage.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    } finally {
      await embedPage.close();
      await host.close();
    }
  });

  it('starts a fresh chat, instead of "Unable to connect.", when the restarted server no longer knows it', async () => {
    await app?.close();
    const memory = { STORAGE: 'memory', WEBCHAT_TOKEN_SECRET: env().WEBCHAT_TOKEN_SECRET };
    app = await createTestApp(memory);
    const port = app.port;
    const fresh = await browser.newPage({ locale: 'en-US' });
    try {
      await fresh.goto(`http://127.0.0.1:${port}/embed/frame`);
      const greetings = fresh.locator('.webchat__bubble__content').getByText(startOf('greeting.hello'));
      await greetings.first().waitFor({ timeout: 30_000 });
      const before = await fresh.evaluate((key) => JSON.parse(window.sessionStorage.getItem(key) ?? 'null'), SESSION_KEY);
      await app.close();
      app = undefined;
      app = await createTestApp({ ...memory, PORT: String(port) });
      // The old conversation is gone with the process: the widget greets again, in a new conversation.
      await fresh.waitForFunction(
        ([key, old]) => {
          const saved = JSON.parse(window.sessionStorage.getItem(key) ?? 'null') as { conversationId?: string } | null;
          return saved?.conversationId !== undefined && saved.conversationId !== old;
        },
        [SESSION_KEY, before?.conversationId] as const,
        { timeout: 60_000 },
      );
      await greetings.first().waitFor({ timeout: 30_000 });
      await fresh.locator(SEND_BOX).fill(`${site.url} shows 502 Bad Gateway`);
      await fresh.locator(SEND_BOX).press('Enter');
      await fresh
        .locator('.ac-pushButton', { hasText: t('choice.watch') })
        .first()
        .waitFor({ timeout: 30_000 });
    } finally {
      await fresh.close();
    }
  });
});
