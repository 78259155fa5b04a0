/**
 * `GET /embed.js`: one `<script src="https://bot.example/embed.js" async></script>` gives any site a floating
 * chat button that opens the widget in a panel. The widget itself runs in an iframe served by this server,
 * so the host page's styles and scripts cannot clash with it, our CSP applies inside, and
 * `frame-ancestors` decides which sites may embed it (WEBCHAT_ALLOWED_ORIGINS).
 * Styles are set through element.style, which a strict host CSP still allows (unlike a <style> tag).
 */
export const EMBED_SCRIPT = `(function () {
  'use strict';
  if (window.gatewayDoctorEmbed) return;
  var script = document.currentScript;
  var base;
  try {
    base = new URL(script && script.src ? script.src : '', window.location.href).origin;
  } catch (error) {
    return;
  }
  var locale = document.documentElement.lang || navigator.language || 'en-US';
  var panelId = 'gateway-doctor-chat-panel';
  var titleId = 'gateway-doctor-chat-title';
  var font = '16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

  function styled(tag, styles) {
    var element = document.createElement(tag);
    for (var key in styles) element.style[key] = styles[key];
    return element;
  }

  var button = styled('button', {
    position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000',
    height: '56px', padding: '0 22px', borderRadius: '28px', border: '2px solid #ffffff',
    background: '#0b5cad', color: '#ffffff', font: '600 ' + font, cursor: 'pointer',
    boxShadow: '0 4px 14px rgba(0, 0, 0, 0.3)'
  });
  button.type = 'button';
  button.textContent = 'Chat with us';
  button.setAttribute('aria-label', 'Chat with Gateway Doctor about a 502 error');
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', panelId);
  button.setAttribute('data-gd-embed', 'button');

  var panel = styled('div', {
    position: 'fixed', right: '20px', bottom: '88px', zIndex: '2147483000',
    width: 'min(400px, calc(100vw - 40px))', height: 'min(620px, calc(100vh - 120px))',
    display: 'none', flexDirection: 'column', background: '#ffffff', color: '#1b1b1b',
    border: '1px solid #8a8a8a', borderRadius: '12px', overflow: 'hidden',
    boxShadow: '0 8px 28px rgba(0, 0, 0, 0.35)', font: font
  });
  panel.id = panelId;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-labelledby', titleId);
  panel.setAttribute('data-gd-embed', 'panel');

  var header = styled('div', {
    display: 'flex', alignItems: 'center', justifyContent: 'space-between',
    padding: '8px 8px 8px 16px', background: '#0b5cad', color: '#ffffff'
  });
  var title = styled('h2', { margin: '0', font: '600 ' + font });
  title.id = titleId;
  title.textContent = 'Gateway Doctor';
  var closeButton = styled('button', {
    width: '40px', height: '40px', border: '0', borderRadius: '20px', background: 'transparent',
    color: '#ffffff', font: '600 22px/1 system-ui, sans-serif', cursor: 'pointer'
  });
  closeButton.type = 'button';
  closeButton.textContent = '\\u00d7';
  closeButton.setAttribute('aria-label', 'Close chat');
  closeButton.setAttribute('data-gd-embed', 'close');
  header.appendChild(title);
  header.appendChild(closeButton);

  var frame = styled('iframe', { flex: '1 1 auto', width: '100%', border: '0' });
  frame.title = 'Gateway Doctor chat';
  frame.setAttribute('data-gd-embed', 'frame');
  panel.appendChild(header);
  panel.appendChild(frame);

  var isOpen = false;
  var frameReady = false;

  function requestFocus() {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: 'gatewayDoctor/focus' }, base);
  }

  // ---- session: an open chat stays open across reloads and same-site navigation ----
  // Only whether the panel was open is kept here (this page's sessionStorage); the conversation itself is
  // kept by the chat frame on the bot's origin (docs/webchat-sessions.md).
  var OPEN_KEY = 'gatewayDoctor.open';
  function rememberOpen(value) {
    try {
      if (value) window.sessionStorage.setItem(OPEN_KEY, '1'); else window.sessionStorage.removeItem(OPEN_KEY);
    } catch (error) {
      // Storage disabled: the panel simply starts closed.
    }
  }
  function wasOpen() {
    try {
      return window.sessionStorage.getItem(OPEN_KEY) === '1';
    } catch (error) {
      return false;
    }
  }
  // ---- end of session ----

  // Reopened by itself after a navigation: the page keeps its focus (a visitor did not ask for the chat now).
  var restored = false;

  function open(restoring) {
    restored = restoring === true;
    rememberOpen(true);
    // The widget (and its 3.9 MB bundle) loads only when someone asks for it.
    if (!frame.getAttribute('src')) frame.setAttribute('src', base + '/embed/frame?locale=' + encodeURIComponent(locale));
    isOpen = true;
    panel.style.display = 'flex';
    button.setAttribute('aria-expanded', 'true');
    if (restored) return;
    frame.focus();
    if (frameReady) requestFocus();
  }

  function close(returnFocus) {
    rememberOpen(false);
    isOpen = false;
    panel.style.display = 'none';
    button.setAttribute('aria-expanded', 'false');
    if (returnFocus) button.focus();
  }

  button.addEventListener('click', function () {
    if (isOpen) close(true); else open();
  });
  closeButton.addEventListener('click', function () { close(true); });
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    }
  });
  window.addEventListener('message', function (event) {
    if (event.origin !== base || event.source !== frame.contentWindow || !event.data) return;
    if (event.data.type === 'gatewayDoctor/ready') {
      frameReady = true;
      if (isOpen && !restored) requestFocus();
    } else if (event.data.type === 'gatewayDoctor/close' && isOpen) {
      close(true);
    }
  });

  function attach() {
    // Button first: after opening, Tab from the button goes straight into the panel.
    document.body.appendChild(button);
    document.body.appendChild(panel);
    if (wasOpen()) open(true);
  }
  if (document.body) attach(); else document.addEventListener('DOMContentLoaded', attach);

  window.gatewayDoctorEmbed = { open: open, close: function () { close(false); } };
})();
`;
