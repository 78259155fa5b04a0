/**
 * The inbox page in headless Chromium against the real app: a wrong token is refused and asked again, the
 * right one lists the case (the person's words as text, never markup), a reply reaches the person, and the
 * token stays in sessionStorage, never in the URL.
 */
import { launchChromium } from '../../helpers/browser';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { RunningApp } from '../../../src/index';
import { createActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';

const TOKEN = 'browser-inbox-token';

jest.setTimeout(60_000);

describe('the inbox in a browser', () => {
  let app: RunningApp;
  let browser: Browser;
  let connector: http.Server;
  const posted: { path: string; body: { text?: string } }[] = [];

  beforeAll(async () => {
    connector = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        posted.push({ path: req.url ?? '', body: JSON.parse(raw || '{}') as { text?: string } });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `r-${posted.length}` }));
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', () => resolve()));
    app = await createTestApp({
      ADMIN_API_TOKEN: TOKEN,
      HANDOFF_WEBHOOK_URL: `http://127.0.0.1:${(connector.address() as AddressInfo).port}/hook`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => connector.close(resolve));
  });

  it('signs in with the token, shows the case and sends a reply to the person', async () => {
    const serviceUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/`;
    await sendActivity(
      app.url,
      createActivity({ serviceUrl, conversation: { id: 'browser-person' }, text: 'talk to a person <img src=x onerror=alert(1)>' }),
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('dialog', (dialog) => {
      errors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const base = app.url.replace('localhost', '127.0.0.1');
    await page.goto(`${base}/status/inbox`);
    await page.fill('#token', 'wrong-token');
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(() => document.getElementById('sign-in-error')?.textContent?.includes('refused'));

    await page.fill('#token', TOKEN);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('article.case');
    const facts = await page.textContent('article.case dl');
    expect(facts).toContain('<img src=x onerror=alert(1)>');
    expect(await page.$('article.case img')).toBeNull();
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => sessionStorage.getItem('gatewayDoctor.adminToken'))).toBe(TOKEN);

    await page.fill('#agent-name', 'Maya');
    await page.fill('article.case textarea', 'Hello from the inbox page');
    await page.click('article.case button[type=submit]');
    const until = Date.now() + 10_000;
    while (!posted.some((p) => p.path.includes('browser-person') && p.body.text?.endsWith('Hello from the inbox page'))) {
      if (Date.now() > until) throw new Error('the reply did not reach the person');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(posted.find((p) => p.body.text?.endsWith('Hello from the inbox page'))?.body.text).toMatch(/^Maya \(/);
    await page.waitForFunction(() => document.querySelector('.transcript li.agent')?.textContent?.includes('Hello from the inbox page'));
    expect(errors).toEqual([]);
    await page.close();

    // The same case for a German agent: the page and everything the script writes are in German.
    const german = await browser.newPage();
    german.on('pageerror', (err) => errors.push(err.message));
    await german.goto(`${base}/status/inbox?lang=de`);
    await german.fill('#token', TOKEN);
    await german.click('#sign-in button[type=submit]');
    await german.waitForSelector('article.case');
    expect(await german.textContent('h1')).toBe('Posteingang des Helpdesks');
    expect(await german.textContent('article.case button[type=submit]')).toBe('Senden');
    expect(await german.textContent('#inbox-state')).toBe('Offene Fälle: 1');
    expect(await german.textContent('article.case dl')).toContain('Ihre Worte');
    expect(errors).toEqual([]);
    await german.close();
  });
});
