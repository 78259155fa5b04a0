/**
 * `GET /embed/frame`: the chat page that embed.js (and the demo page) show in an iframe. Only the widget,
 * filling the frame, with a line under it for the length counter and notices; it talks to the embedding
 * page through postMessage (focus in, Escape out). Being its own document, no host style reaches it.
 */
import { escapeHtml } from '../../../text/html';
import type { WidgetStrings } from './widget-strings';

/** What the frame page shows: language, strings and the site's checked branding. */
export interface ChatFramePageOptions {
  locale: string;
  widgetVersion: string;
  /** The widget's words in the frame's language. */
  strings: WidgetStrings;
  /** The site's name for the chat (`data-title`), already checked. */
  name: string;
  /** The accent colour as #rrggbb, already checked for contrast on white. */
  accent: string;
  /** The longest message the server takes (Direct Line's text cap). */
  maxTextLength: number;
}

const STYLES = `
  html, body { height: 100%; margin: 0; }
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; background: #fff; }
  .chat { height: 100%; display: flex; flex-direction: column; overflow: hidden; }
  .gd-chat__widget { flex: 1 1 auto; min-height: 0; min-width: 0; }
  .gd-chat__line { flex: 0 0 auto; margin: 0; padding: 0 12px; font-size: 0.85rem; color: #4a4a4a; }
  .gd-chat__line:empty { display: none; }
  [data-gd-counter][data-over="true"], [data-gd-notice] { color: #a4000f; }
  [data-gd-notice] { padding-bottom: 6px; }
  [data-gd-status] { padding: 16px; }
`;

/** The embed frame's HTML. */
export function renderChatFramePage({ locale, widgetVersion, strings, name, accent, maxTextLength }: ChatFramePageOptions): string {
  const region = strings.region.split('{{name}}').join(name);
  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(strings.frameTitle.split('{{name}}').join(name))}</title>
<style>${STYLES}</style>
</head>
<body>
<main class="chat" data-gd-chat data-gd-frame="1" data-locale="${escapeHtml(locale)}" data-gd-accent="${escapeHtml(accent)}"
  data-gd-max-length="${maxTextLength}" data-gd-strings="${escapeHtml(JSON.stringify(strings))}" aria-label="${escapeHtml(region)}">
  <p data-gd-status role="status">${escapeHtml(strings.loading)}</p>
  <noscript><p>${escapeHtml(strings.noScript)}</p></noscript>
  <p class="gd-chat__line" data-gd-counter></p>
  <p class="gd-chat__line" data-gd-notice role="status"></p>
</main>
<script src="/assets/webchat.js?v=${escapeHtml(widgetVersion)}" defer></script>
<script src="/assets/chat.js?v=${escapeHtml(widgetVersion)}" defer></script>
</body>
</html>
`;
}
