/**
 * `GET /`: a help desk demo page, the kind of "Help centre" a company would put the assistant on, with the
 * widget open beside the articles. The chat is the same frame embed.js opens (`/embed/frame`), so the
 * page's styles cannot reach into it, nor its styles out. The page's own text stays English; the widget
 * speaks `?locale=`. On phones the chat comes first and fills the screen below the header.
 */
import { escapeHtml } from '../../../text/html';

export interface HelpCentrePageOptions {
  /** The widget's language (`?locale=`). */
  locale: string;
  /** The frame's title, in the widget's language. */
  frameTitle: string;
}

const STYLES = `
  :root { color-scheme: light; --accent: #0b5cad; --ink: #1b1b1b; --muted: #4a4a4a; --line: #d0d7de; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
  a { color: var(--accent); }
  :focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
  .skip { position: absolute; left: -9999px; }
  .skip:focus { left: 12px; top: 12px; background: #fff; padding: 8px 12px; z-index: 10; }
  header { background: var(--accent); color: #fff; padding: 14px 24px; display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
  header a { color: #fff; }
  header .brand { font-weight: 700; font-size: 1.15rem; margin-right: auto; }
  header nav ul { list-style: none; display: flex; gap: 18px; margin: 0; padding: 0; }
  .layout {
    max-width: 1200px; margin: 0 auto; padding: 24px; display: grid; gap: 24px;
    grid-template-columns: minmax(0, 1fr) minmax(320px, 420px);
  }
  article, aside > section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; }
  h1 { margin-top: 0; font-size: 1.8rem; }
  h2 { font-size: 1.25rem; }
  .lede { color: var(--muted); font-size: 1.05rem; }
  ol li, ul li { margin-bottom: 6px; }
  details { border-top: 1px solid var(--line); padding: 10px 0; }
  summary { cursor: pointer; font-weight: 600; }
  aside { position: sticky; top: 24px; align-self: start; }
  aside h2 { margin: 0 0 4px; }
  aside p { margin: 0 0 12px; }
  .chat { display: block; width: 100%; height: min(600px, calc(100vh - 250px)); min-height: 340px;
    border: 1px solid var(--line); border-radius: 8px; background: #fff; }
  @media (max-width: 900px) {
    .layout { grid-template-columns: minmax(0, 1fr); padding: 12px; gap: 12px; }
    aside { position: static; order: -1; }
    aside > section { padding: 12px; }
    aside p { display: none; }
    .chat { height: calc(100svh - 190px); min-height: 320px; }
    header { padding: 10px 12px; gap: 8px 16px; }
    article { padding: 16px; }
  }
  footer { max-width: 1200px; margin: 0 auto; padding: 0 24px 32px; color: var(--muted); font-size: 0.9rem; }
`;

/** The demo page's HTML. */
export function renderHelpCentrePage({ locale, frameTitle }: HelpCentrePageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Help centre: a page shows "502 Bad Gateway"</title>
<style>${STYLES}</style>
</head>
<body>
<a class="skip" href="#chat-title">Skip to the chat</a>
<header>
  <span class="brand">Help centre</span>
  <nav aria-label="Help topics">
    <ul>
      <li><a href="#what-it-means">What it means</a></li>
      <li><a href="#quick-checks">Quick checks</a></li>
      <li><a href="#for-site-owners">For site owners</a></li>
    </ul>
  </nav>
</header>
<div class="layout">
  <main>
    <article>
      <h1>A page shows "502 Bad Gateway": what now?</h1>
      <p class="lede">Most of the time the fault is not on your computer. The site you are visiting passes each request on
      to another server behind it, and that server sent back nothing usable. Our assistant can check the site for you right now.</p>

      <h2 id="what-it-means">What it means</h2>
      <p>Large websites sit behind a chain of machines: a content delivery network, a load balancer, a web server and the
      application itself. A 502 comes from a machine in the middle of that chain when the next machine along did not answer
      properly. The wording varies from site to site ("Bad Gateway", "Proxy Error", "HTTP Error 502", a branded error page),
      but the meaning is the same.</p>
      <p>Common reasons on the site's side are a server that crashed or is restarting, one that is overwhelmed by traffic,
      a recent change to its name records (DNS), or a firewall that blocks the traffic between its own machines.</p>

      <h2 id="quick-checks">Quick checks you can do</h2>
      <ol>
        <li>Wait a minute and reload the page: many 502s last only while a server restarts.</li>
        <li>Open the page in a private window. If it works there, clear this site's cookies and cached files.</li>
        <li>Try another browser, or your phone on mobile data instead of Wi-Fi.</li>
        <li>Switch off any VPN or proxy for a moment and try again.</li>
        <li>If only you see the error, restarting your router or clearing your computer's DNS cache often helps.</li>
      </ol>
      <p>Not sure which applies? Tell the assistant the address of the page and it will check whether the site is down for
      everyone or only for you, and walk you through the next step.</p>

      <h2 id="for-site-owners">For site owners</h2>
      <p>If you run the site, the assistant has an administrator mode: paste an error page, response headers or log lines and
      it will point out which layer produced the 502 (CDN, load balancer, reverse proxy or application server) and what to check next.</p>

      <section aria-labelledby="faq-title">
        <h2 id="faq-title">Questions people ask</h2>
        <details>
          <summary>Can a 502 harm my computer?</summary>
          <p>No. It is a message from a server about another server; nothing is installed or changed on your device.</p>
        </details>
        <details>
          <summary>Will I lose what I was typing?</summary>
          <p>Possibly, if the error appeared after you submitted a form. Before you resend it, check your email or account
          history to see whether the first attempt went through, so you are not charged twice.</p>
        </details>
        <details>
          <summary>Can the assistant tell me when the site is back?</summary>
          <p>Yes. When a site is down for everyone, ask it to let you know, and it will message you here once the site answers again.</p>
        </details>
      </section>
    </article>
  </main>
  <aside aria-label="Chat">
    <section>
      <h2 id="chat-title">Ask Gateway Doctor</h2>
      <p>Type the address of the page that shows the error, or just describe what you see.</p>
      <iframe class="chat" src="/embed/frame?locale=${encodeURIComponent(locale)}" title="${escapeHtml(frameTitle)}"
        allow="clipboard-write" data-gd-demo="frame"></iframe>
    </section>
  </aside>
</div>
<footer>This is a demonstration page for Gateway Doctor. Add the assistant to any site with one line:
<code>&lt;script src="/embed.js" async&gt;&lt;/script&gt;</code></footer>
</body>
</html>
`;
}
