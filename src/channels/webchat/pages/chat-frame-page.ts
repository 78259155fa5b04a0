/**
 * `GET /embed/frame`: the page embed.js shows in its panel. Only the widget, filling the frame; it talks to
 * the embedding page through postMessage (focus in, Escape out).
 */
import { escapeHtml } from '../../../text/html';

export interface ChatFramePageOptions {
  locale: string;
  widgetVersion: string;
}

const STYLES = `
  html, body { height: 100%; margin: 0; }
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; background: #fff; }
  .chat { height: 100%; display: flex; flex-direction: column; }
  .gd-chat__widget { flex: 1 1 auto; min-height: 0; }
  [data-gd-status] { padding: 16px; }
`;

/** The embed frame's HTML. */
export function renderChatFramePage({ locale, widgetVersion }: ChatFramePageOptions): string {
  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gateway Doctor chat</title>
<style>${STYLES}</style>
</head>
<body>
<main class="chat" data-gd-chat data-gd-frame="1" data-locale="${escapeHtml(locale)}" aria-label="Chat with Gateway Doctor">
  <p data-gd-status role="status">Loading the chat&hellip;</p>
  <noscript><p>The chat needs JavaScript.</p></noscript>
</main>
<script src="/assets/webchat.js?v=${escapeHtml(widgetVersion)}" defer></script>
<script src="/assets/chat.js?v=${escapeHtml(widgetVersion)}" defer></script>
</body>
</html>
`;
}
