/**
 * The product as a help desk visitor meets it: the demo page in Debian's headless Chromium, the real
 * botframework-webchat widget, our Direct Line endpoint and the real bot probing a loopback site. The
 * browser's user agent reaches the bot, so the hard-refresh step names Chrome on Linux's shortcut.
 */
import { launchChromium } from '../helpers/browser';
import type { Browser, Frame, Page } from 'playwright-core';
import { createI18n, translatorFor } from '../../src/core/i18n';
import type { RunningApp } from '../../src/index';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { createTestApp } from '../helpers/create-test-app';

jest.setTimeout(90_000);

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const t = translatorFor(createI18n(), 'en');

describe('the help desk demo page with the real bot', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let browser: Browser;
  let page: Page;
  let chat: Frame;
  const problems: string[] = [];

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Shop</h1>');
    });
    app = await createTestApp();
    browser = await launchChromium();
    page = await browser.newPage({ locale: 'en-US' });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${app.url.replace('localhost', '127.0.0.1')}/`);
    // The demo page shows the chat in the same frame the one-line embed opens.
    const frame = await (await page.waitForSelector('iframe[data-gd-demo="frame"]')).contentFrame();
    if (!frame) throw new Error('the demo page has no chat frame');
    chat = frame;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await site?.close();
  });

  const buttons = (label: string) => chat.locator('.ac-pushButton', { hasText: label });

  it('answers a typed 502 report with the verdict and working card buttons', async () => {
    await chat.locator(SEND_BOX).waitFor();
    await chat.locator(SEND_BOX).fill(`${site.url} shows 502 Bad Gateway`);
    await chat.locator(SEND_BOX).press('Enter');

    // The site is up for everyone, so the first step arrives as a card with "did that fix it?" buttons.
    await buttons(t('choice.no')).first().waitFor({ timeout: 30_000 });
    const upText = t('user.up', { host: new URL(site.url).hostname });
    await chat.getByText(upText.slice(0, 40), { exact: false }).first().waitFor();

    // The next step is the hard refresh, tailored to the browser: Chrome on Linux uses Ctrl+Shift+R.
    const ctrl = t('key.ctrl');
    const shift = t('key.shift');
    const hardRefresh = chat.getByText(new RegExp(`${ctrl}\\+(${shift}\\+R|F5)`)).first();
    // A click that lands while the transcript is still scrolling is lost by the widget: try up to three times.
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await buttons(t('choice.no')).first().click();
      if (
        await hardRefresh.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    await hardRefresh.waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
  });
});
