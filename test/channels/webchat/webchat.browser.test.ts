/**
 * The real botframework-webchat widget in Debian's headless Chromium, against the self-hosted Direct Line
 * endpoint and the echo bot: the demo page, a card button, and the one-line embed used from the keyboard
 * on another site.
 */
import { launchChromium } from '../../helpers/browser';
import type { Browser, Frame, Page } from 'playwright-core';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { CARD_SUBMIT_DATA } from './helpers/echo-bot';
import { createWebChatTestServer, waitFor, type WebChatTestServer } from './helpers/webchat-server';

jest.setTimeout(60_000);

const SEND_BOX = '[data-id="webchat-sendbox-input"]';

/** A message bubble in the transcript (the widget also repeats each message in a hidden live region). */
const bubble = (root: Page | Frame, text: string) => root.locator('.webchat__bubble__content').getByText(text, { exact: true });

describe('web chat in a real browser', () => {
  let server: WebChatTestServer;
  let browser: Browser;
  let thirdPartySite: LoopbackServer;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await createWebChatTestServer();
    // Another origin that embeds the chat with the one-line script, and says its language is German.
    thirdPartySite = await createHttpServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="de-DE"><head><title>Shop</title></head><body>
        <a href="#products" id="first-link">Products</a>
        <main><h1>Willkommen</h1><p>Some shop content.</p></main>
        <script src="${server.url}/embed.js" async></script></body></html>`);
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await thirdPartySite?.close();
    await server?.close();
  });

  async function openPage(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url);
    return page;
  }

  const cspViolations = (): string[] => problems.filter((p) => /Content Security Policy/i.test(p));

  /** The demo page shows the chat in the same frame the one-line embed opens. */
  async function demoChat(page: Page): Promise<Frame> {
    const frame = await (await page.waitForSelector('iframe[data-gd-demo="frame"]')).contentFrame();
    if (!frame) throw new Error('the demo page has no chat frame');
    return frame;
  }

  it('chats on the demo page: greeting, echo, client info for the bot', async () => {
    const page = await openPage(`${server.url}/`);
    try {
      const chat = await demoChat(page);
      await bubble(chat, 'welcome').waitFor();
      await chat.locator(SEND_BOX).fill('hello from the browser');
      await chat.locator(SEND_BOX).press('Enter');
      await bubble(chat, 'echo: hello from the browser').waitFor();

      const clientInfo = await waitFor(() => server.bot.received.find((a) => a.type === 'event' && a.name === 'gatewayDoctor/clientInfo'), {
        what: 'the clientInfo event',
      });
      const value = clientInfo.value as { userAgent?: string; language?: string };
      expect(value.userAgent).toMatch(/Chrome\//);
      expect(typeof value.language).toBe('string');
      expect(clientInfo.channelId).toBe('webchat');
      expect(cspViolations()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('delivers an Adaptive Card button press to the bot as the card data', async () => {
    const page = await openPage(`${server.url}/`);
    try {
      const chat = await demoChat(page);
      await chat.locator(SEND_BOX).waitFor();
      await bubble(chat, 'welcome').waitFor();
      await chat.locator(SEND_BOX).fill('card');
      await chat.locator(SEND_BOX).press('Enter');
      const button = chat.locator('.ac-pushButton', { hasText: 'Yes, it works' });
      await button.waitFor();
      const submission = () =>
        server.bot.received.find((a) => a.type === 'message' && JSON.stringify(a.value) === JSON.stringify(CARD_SUBMIT_DATA));
      // On a loaded machine the transcript can still be scrolling when the card appears, and a click that
      // lands mid-scroll is lost by the widget: click again (at most three times) until the bot hears it.
      for (let attempt = 1; attempt <= 3 && !submission(); attempt += 1) {
        await button.click();
        await waitFor(submission, { what: 'the card submission', timeoutMs: 5_000 }).catch(() => undefined);
      }
      const submitted = await waitFor(submission, { what: 'the card submission', timeoutMs: 5_000 });
      expect(submitted.value).toEqual(CARD_SUBMIT_DATA);
      await bubble(chat, 'submitted intent yes').waitFor();
    } finally {
      await page.close();
    }
  });

  it('works from the keyboard alone through the one-line embed on another site', async () => {
    const page = await openPage(thirdPartySite.url);
    try {
      const button = page.locator('button[data-gd-embed="button"]');
      await button.waitFor();
      // Its accessible name is its visible text, in the page's language (German here).
      expect(await button.getAttribute('aria-label')).toBeNull();
      expect(await button.textContent()).toBe('Mit uns chatten');
      expect(await button.getAttribute('aria-expanded')).toBe('false');

      // Tab from the top of the page until the chat button has focus.
      let focusedLabel: string | null = null;
      for (let presses = 0; presses < 10 && !focusedLabel; presses += 1) {
        await page.keyboard.press('Tab');
        focusedLabel = await page.evaluate(() => (document.activeElement?.getAttribute('data-gd-embed') === 'button' ? 'button' : null));
      }
      expect(focusedLabel).toBe('button');

      await page.keyboard.press('Enter');
      const panel = page.locator('[data-gd-embed="panel"]');
      await panel.waitFor({ state: 'visible' });
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      expect(await panel.getAttribute('role')).toBe('dialog');
      const labelledBy = await panel.getAttribute('aria-labelledby');
      expect(await page.locator(`#${labelledBy ?? 'missing'}`).textContent()).toBe('Gateway Doctor');
      expect(await page.locator('iframe[data-gd-embed="frame"]').getAttribute('title')).toBeTruthy();
      expect(await page.locator('[data-gd-embed="close"]').getAttribute('aria-label')).toBe('Chat schließen');

      // Focus is inside the panel, and once the widget is there, in its send box.
      expect(await page.evaluate(() => document.activeElement?.closest('[data-gd-embed="panel"]') !== null)).toBe(true);
      const frame = await waitFor(() => page.frames().find((f) => f.url().includes('/embed/frame')), { what: 'the chat frame' });
      await frame.locator(SEND_BOX).waitFor();
      await waitForFocusIn(frame, SEND_BOX);

      // The widget speaks the host page's language, and the bot heard it.
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe('de-DE');
      await waitFor(() => server.bot.received.find((a) => a.type === 'conversationUpdate' && a.locale === 'de-DE'), {
        what: 'a German conversation',
      });

      // Typing works without a mouse, then Escape closes and hands focus back to the button.
      await page.keyboard.type('typed by keyboard');
      await page.keyboard.press('Enter');
      await bubble(frame, 'echo: typed by keyboard').waitFor();
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-gd-embed'))).toBe('button');
      expect(cspViolations()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** Waits until the frame's focused element matches `selector`. */
async function waitForFocusIn(frame: Frame, selector: string): Promise<void> {
  await frame.waitForFunction((wanted) => document.activeElement?.matches(wanted) === true, selector, { timeout: 15_000 });
}
