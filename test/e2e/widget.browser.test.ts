/**
 * The chat widget as help desk visitors meet it (issue 10), in Debian's headless Chromium against the whole
 * app and the real bot: the demo page and the one-line embed on a German page full of hostile CSS, at a
 * phone's and a laptop's size; multi-line pastes, the length limit, cards used from the keyboard, answered
 * cards, the ready-to-send message, and axe-core's WCAG 2.1 A/AA rules. Screenshots go to
 * test/e2e/screenshots/ (gitignored) for a person to look at.
 */
import { launchChromium } from '../helpers/browser';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { createI18n, translatorFor } from '../../src/core/i18n';
import type { RunningApp } from '../../src/index';
import { expectHealthy } from '../helpers/attack';
import { createTestApp } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

jest.setTimeout(120_000);

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SCREENSHOTS = path.join(__dirname, 'screenshots');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const i18n = createI18n();
const en = translatorFor(i18n, 'en');
const de = translatorFor(i18n, 'de');

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
const SMALL_PHONE = { width: 320, height: 568 };

/** The rules of a page that tries to break every widget put on it. */
const HOSTILE_CSS = `
  * { font-size: 30px !important; line-height: 3 !important; letter-spacing: 2px !important; text-transform: uppercase !important;
      color: #d00 !important; background: #ffe !important; box-sizing: content-box !important; margin: 5px !important; }
  div, iframe, button, h2, span, img { position: fixed !important; top: 0 !important; left: 0 !important; border: 9px dashed lime !important;
      padding: 20px !important; width: 50px !important; height: 50px !important; opacity: 0.9 !important; transform: rotate(3deg) !important; }
  article { border: 40px solid #000 !important; padding: 30px !important; }
  button { display: none !important; }
  iframe { visibility: hidden !important; }
  body { overflow-wrap: anywhere; }
`;

function hostPage({ lang, css = '', attributes = '' }: { lang: string; css?: string; attributes?: string }, embedUrl: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hilfe</title><style>${css}</style></head><body>
<main><h1>Willkommen im Hilfebereich</h1><article><p>Hier finden Sie Antworten auf häufige Fragen zu Ihrer Bestellung.</p>
<p><a href="#top">Nach oben</a></p></article></main>
<script src="${embedUrl}" ${attributes} async></script></body></html>`;
}

describe('the chat widget in a real browser', () => {
  let app: RunningApp;
  let appUrl: string;
  let site: LoopbackServer;
  let host: LoopbackServer;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    site = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Shop</h1>');
    });
    app = await createTestApp();
    appUrl = app.url.replace('localhost', '127.0.0.1');
    // Another origin that embeds the chat: a plain German page, and one with hostile CSS and branding.
    host = await createHttpServer((req, res) => {
      const embed = `${appUrl}/embed.js`;
      if (req.url === '/avatar.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml' });
        res.end('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle cx="16" cy="16" r="16" fill="#ffbf47"/></svg>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      if (req.url === '/hostile') {
        const branding = 'data-title="Shop Müller" data-accent="#1a7f37" data-avatar="/avatar.svg" data-position="left"';
        res.end(hostPage({ lang: 'de-DE', css: HOSTILE_CSS, attributes: branding }, embed));
      } else if (req.url === '/forged') {
        const forged =
          'data-accent="red;background:url(https://evil.example/x)" data-avatar="javascript:alert(1)" data-title="<img src=x onerror=alert(1)>"';
        res.end(hostPage({ lang: 'fr', attributes: forged }, embed));
      } else {
        res.end(hostPage({ lang: 'de' }, embed));
      }
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await site?.close();
    await host?.close();
  });

  async function open(url: string, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP only lets the test inject axe-core into our pages; the widget itself runs under the real CSP.
    const context = await browser.newContext({
      viewport,
      locale: 'en-US',
      bypassCSP: true,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url);
    return { context, page };
  }

  async function chatFrame(page: Page): Promise<Frame> {
    const handle = await page.waitForSelector('iframe[data-gd-demo="frame"], iframe[data-gd-embed="frame"][src]', { state: 'attached' });
    const frame = await handle.contentFrame();
    if (!frame) throw new Error('no chat frame');
    await frame.locator(SEND_BOX).waitFor({ timeout: 30_000 });
    return frame;
  }

  async function openEmbed(page: Page): Promise<Frame> {
    await page.locator('[data-gd-embed="button"]').click();
    await page.locator('[data-gd-embed="panel"]').waitFor({ state: 'visible' });
    return chatFrame(page);
  }

  /** No sideways scrolling, in the page and in the chat, and the send box fully on screen without scrolling. */
  async function expectFits(page: Page, frame: Frame, viewport: { width: number; height: number }): Promise<void> {
    const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(pageOverflow).toBeLessThanOrEqual(0);
    const frameOverflow = await frame.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(frameOverflow).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await frame.locator(SEND_BOX).boundingBox();
    expect(box).not.toBeNull();
    if (!box) return;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
  }

  async function send(frame: Frame, text: string): Promise<void> {
    await frame.locator(SEND_BOX).fill(text);
    await frame.locator(SEND_BOX).press('Enter');
  }

  /** axe-core's WCAG 2.0/2.1 A and AA rules on one document (each frame is checked on its own). */
  async function axeViolations(target: Page | Frame): Promise<string[]> {
    await target.evaluate(AXE_SOURCE);
    const ids = await target.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> };
        }
      ).axe;
      const result = await axe.run(document, {
        iframes: false,
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      });
      return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
    });
    return ids;
  }

  const cardButton = (frame: Frame, label: string) => frame.locator('.ac-pushButton', { hasText: label });

  it.each([
    ['laptop', LAPTOP],
    ['phone', PHONE],
    ['small phone', SMALL_PHONE],
  ])('fits the demo page on a %s: no sideways scroll, send box on screen, also once a card arrived', async (name, viewport) => {
    const { context, page } = await open(`${appUrl}/`, viewport);
    try {
      const frame = await chatFrame(page);
      await expectFits(page, frame, viewport);
      await send(frame, `${site.url} shows 502 Bad Gateway`);
      await cardButton(frame, en('choice.no')).first().waitFor({ timeout: 30_000 });
      await expectFits(page, frame, viewport);
      await page.screenshot({ path: path.join(SCREENSHOTS, `demo-${name.replace(' ', '-')}.png`) });
    } finally {
      await context.close();
    }
  });

  it('keeps the lines of pasted logs: four log lines give four findings', async () => {
    const { context, page } = await open(`${appUrl}/`);
    try {
      const frame = await chatFrame(page);
      const lines = readFileSync(path.join(__dirname, '..', 'fixtures', 'logs', 'nginx-error.log'), 'utf8')
        .split('\n')
        .slice(0, 4)
        .join('\n');
      // A real paste through the clipboard, as a person does it.
      await frame.locator(SEND_BOX).focus();
      await frame.evaluate((text) => navigator.clipboard.writeText(text), lines);
      await page.keyboard.press('Control+V');
      expect(await frame.locator(SEND_BOX).inputValue()).toBe(lines);
      // Shift+Enter adds a line instead of sending.
      await page.keyboard.press('Shift+Enter');
      expect(await frame.locator(SEND_BOX).inputValue()).toBe(`${lines}\n`);
      await page.keyboard.press('Enter');
      await frame.getByText(en('findings.intro')).first().waitFor({ timeout: 30_000 });
      // Each finding is a card whose facts start with the line it explains: lines 1 to 4.
      const lineLabel = en('fact.line');
      await frame.waitForFunction(
        (label) => Array.from(document.querySelectorAll('.ac-factset')).filter((set) => set.textContent?.includes(label)).length >= 4,
        lineLabel,
        { timeout: 20_000 },
      );
      const values = await frame.locator('.ac-factset').evaluateAll((sets) => sets.map((set) => set.textContent ?? ''));
      const flat = values.map((text) => ` ${text.replace(/\s+/g, ' ')} `);
      for (const line of ['1', '2', '3', '4']) expect(flat.some((text) => text.includes(` ${lineLabel} ${line} `))).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('shows a counter near the limit and refuses a too-long message with a clear reason, keeping the text', async () => {
    const { context, page } = await open(`${appUrl}/`);
    try {
      const frame = await chatFrame(page);
      const counter = frame.locator('[data-gd-counter]');
      await frame.locator(SEND_BOX).fill('x'.repeat(100));
      expect(await counter.textContent()).toBe('');
      await frame.locator(SEND_BOX).fill('x'.repeat(3_900));
      expect(await counter.textContent()).toBe(en('widget.counter', { count: '3,900', max: '4,000' }));

      const tooLong = 'y'.repeat(4_001);
      await frame.locator(SEND_BOX).fill(tooLong);
      await frame.locator(SEND_BOX).press('Enter');
      const notice = frame.locator('[data-gd-notice]');
      await frame.waitForFunction(() => (document.querySelector('[data-gd-notice]')?.textContent ?? '') !== '');
      expect(await notice.textContent()).toBe(en('widget.tooLong', { count: '4,001', max: '4,000' }));
      expect(await notice.getAttribute('role')).toBe('status');
      // Not sent (no bubble, no failed-send retry) and still there to be shortened.
      expect(await frame.locator(SEND_BOX).inputValue()).toBe(tooLong);
      expect(await frame.locator('.webchat__bubble--from-user').count()).toBe(0);
      await expectHealthy(appUrl);
    } finally {
      await context.close();
    }
  });

  it.each([
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ])('holds up on a German page full of hostile CSS on a %s, in German, with the site branding', async (name, viewport) => {
    const { context, page } = await open(`${host.url}hostile`, viewport);
    try {
      const launcher = page.locator('[data-gd-embed="button"]');
      await launcher.waitFor({ state: 'visible' });
      expect(await launcher.textContent()).toBe(de('widget.launcher'));
      // The launcher sits where the site asked (left), at its normal size, despite `* { ... !important }`.
      const launcherBox = await launcher.boundingBox();
      expect(launcherBox?.x).toBe(20);
      expect(launcherBox?.height).toBe(56);
      expect(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(26, 127, 55)');

      const frame = await openEmbed(page);
      expect(await page.locator('[data-gd-embed="panel"] h2').textContent()).toBe('Shop Müller');
      expect(await page.locator('[data-gd-embed="avatar"]').getAttribute('src')).toBe(`${host.url}avatar.svg`);
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe('de-DE');
      await expectFits(page, frame, viewport);
      await page.screenshot({ path: path.join(SCREENSHOTS, `hostile-${name}.png`) });
      await send(frame, `${site.url} zeigt 502 Bad Gateway`);
      await cardButton(frame, de('choice.no')).first().waitFor({ timeout: 30_000 });
      await expectFits(page, frame, viewport);
      await page.screenshot({ path: path.join(SCREENSHOTS, `hostile-${name}-card.png`) });
    } finally {
      await context.close();
    }
  });

  it('ignores forged branding: no script, no foreign style, no javascript: avatar', async () => {
    const { context, page } = await open(`${host.url}forged`);
    try {
      const launcher = page.locator('[data-gd-embed="button"]');
      await launcher.waitFor({ state: 'visible' });
      expect(await launcher.textContent()).toBe(translatorFor(i18n, 'fr')('widget.launcher'));
      expect(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(11, 92, 173)');
      await launcher.click();
      expect(await page.locator('[data-gd-embed="avatar"]').count()).toBe(0);
      expect(await page.locator('[data-gd-embed="panel"] h2').textContent()).toBe('<img src=x onerror=alert(1)>');
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(problems.filter((p) => p.includes('alert'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('works from the keyboard alone: open, answer a card, see it answered, close', async () => {
    const { context, page } = await open(`${host.url}plain`);
    try {
      const launcher = page.locator('[data-gd-embed="button"]');
      await launcher.waitFor({ state: 'visible' });
      expect(await launcher.textContent()).toBe(de('widget.launcher'));
      for (let presses = 0; presses < 10; presses += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(() => document.activeElement?.getAttribute('data-gd-embed') === 'button')) break;
      }
      await page.keyboard.press('Enter');
      const frame = await chatFrame(page);
      await frame.waitForFunction((selector) => document.activeElement?.matches(selector) === true, SEND_BOX, { timeout: 15_000 });
      await page.keyboard.type(`${site.url} zeigt 502 Bad Gateway`);
      await page.keyboard.press('Enter');
      const no = cardButton(frame, de('choice.no')).first();
      await no.waitFor({ timeout: 30_000 });

      // Web Chat's transcript model: Shift+Tab from the send box reaches the transcript, Enter steps into the
      // newest message, Tab moves between its buttons.
      const transcriptFocused = () =>
        frame.evaluate(() => document.activeElement?.classList.contains('webchat__basic-transcript') === true);
      for (let presses = 0; presses < 5 && !(await transcriptFocused()); presses += 1) await page.keyboard.press('Shift+Tab');
      expect(await transcriptFocused()).toBe(true);
      await page.keyboard.press('Enter');
      let reached = false;
      for (let presses = 0; presses < 10 && !reached; presses += 1) {
        await page.keyboard.press('Tab');
        reached = await no.evaluate((el) => el === document.activeElement);
      }
      expect(reached).toBe(true);
      // A real button, so screen readers announce it as one, by its label.
      expect(await no.evaluate((el) => el.tagName)).toBe('BUTTON');
      expect(await no.textContent()).toBe(de('choice.no'));
      await page.keyboard.press('Enter');

      // The answered card lost its buttons; the next step's card has live ones.
      await frame.waitForFunction(() => document.querySelectorAll('.webchat__basic-transcript__activity').length >= 4, undefined, {
        timeout: 30_000,
      });
      await frame.waitForFunction(
        (label) => {
          const cards = Array.from(document.querySelectorAll('.ac-adaptiveCard'));
          const withNo = cards.filter((card) => Array.from(card.querySelectorAll('.ac-pushButton')).some((b) => b.textContent === label));
          return withNo.length === 1 && cards.indexOf(withNo[0] as Element) === cards.length - 1;
        },
        de('choice.no'),
        { timeout: 30_000 },
      );

      // The answer stays readable under the card it answered (a button press leaves no bubble of its own).
      await frame.getByText(`✓ ${de('choice.no')}`, { exact: true }).waitFor();

      // Escape leaves the widget and closes the panel, focus back on the launcher.
      await frame.locator(SEND_BOX).focus();
      await page.keyboard.press('Escape');
      await page.locator('[data-gd-embed="panel"]').waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-gd-embed'))).toBe('button');
    } finally {
      await context.close();
    }
  });

  it('offers the ready-to-send message with Copy (to the clipboard) and an email with subject and body', async () => {
    const { context, page } = await open(`${appUrl}/`);
    try {
      const frame = await chatFrame(page);
      await send(frame, `${site.url} shows 502 Bad Gateway`);
      await cardButton(frame, en('choice.no')).first().waitFor({ timeout: 30_000 });
      await send(frame, 'talk to a person');
      const copy = cardButton(frame, en('widget.copy'));
      await copy.waitFor({ timeout: 30_000 });
      await expect(cardButton(frame, en('widget.email')).count()).resolves.toBe(1);
      await copy.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'draft-card.png') });
      await copy.click();
      await frame.locator('[data-gd-notice]', { hasText: en('widget.copied') }).waitFor();
      const copied = await frame.evaluate(() => navigator.clipboard.readText());
      expect(copied).toContain(new URL(site.url).host);
      expect(copied.split('\n').length).toBeGreaterThan(3);
    } finally {
      await context.close();
    }
  });

  it('passes axe-core (WCAG 2.1 A/AA) on the demo page, the frame, and the embed with its panel open', async () => {
    const demo = await open(`${appUrl}/`);
    try {
      const frame = await chatFrame(demo.page);
      expect(await axeViolations(demo.page)).toEqual([]);
      expect(await axeViolations(frame)).toEqual([]);
      // Again with cards (live and answered) and the length notice on screen.
      await send(frame, `${site.url} shows 502 Bad Gateway`);
      await cardButton(frame, en('choice.no')).first().click();
      await frame.getByText(`✓ ${en('choice.no')}`, { exact: true }).waitFor({ timeout: 30_000 });
      await frame.locator(SEND_BOX).fill('z'.repeat(4_100));
      await frame.locator('[data-gd-notice]', { hasText: en('widget.tooLong', { count: '4,100', max: '4,000' }) }).waitFor();
      expect(await axeViolations(frame)).toEqual([]);
    } finally {
      await demo.context.close();
    }
    const embedded = await open(`${host.url}plain`, PHONE);
    try {
      await embedded.page.locator('[data-gd-embed="button"]').waitFor({ state: 'visible' });
      expect(await axeViolations(embedded.page)).toEqual([]);
      const frame = await openEmbed(embedded.page);
      expect(await axeViolations(embedded.page)).toEqual([]);
      expect(await axeViolations(frame)).toEqual([]);
    } finally {
      await embedded.context.close();
    }
    expect(problems).toEqual([]);
  });
});
