/**
 * `GET /embed.js`: one `<script src="https://bot.example/embed.js" async></script>` gives any site a floating
 * chat button that opens the widget in a panel. The widget itself runs in an iframe served by this server,
 * so the host page's styles and scripts cannot clash with it, our CSP applies inside, and
 * `frame-ancestors` decides which sites may embed it (WEBCHAT_ALLOWED_ORIGINS).
 * Styles are set through element.style, which a strict host CSP still allows (unlike a <style> tag), and
 * each element starts from `all: initial !important`: an inline important declaration beats every rule of
 * the host page, so `* { ... !important }` there cannot restyle the launcher or the panel.
 * Branding comes from the script tag's data- attributes (docs/widget.md); each is checked before use.
 */
import type { LocaleId } from '../../../contracts';

/** The launcher's and panel's words in one language (the `widget` keys of locales/<lng>/translation.json). */
export interface EmbedStrings {
  launcher: string;
  close: string;
  /** "Chat with {{name}}" with `{{name}}` left in: the script fills in the site's title. */
  frameTitle: string;
}

/** What embed.js is built from (once, at start-up). */
export interface EmbedScriptOptions {
  /** Every supported language's strings; the script picks one by the page's `lang` (or `data-locale`). */
  strings: Readonly<Record<LocaleId, EmbedStrings>>;
  /** Title shown when the site sets none. */
  defaultTitle?: string;
}

/** The embed script, with every language's launcher strings built in (a few hundred bytes each). */
export function renderEmbedScript({ strings, defaultTitle = 'Gateway Doctor' }: EmbedScriptOptions): string {
  // JSON is valid JavaScript; this file is served as a script, never inlined into HTML.
  return `(function () {
  'use strict';
  if (window.gatewayDoctorEmbed) return;
  var STRINGS = ${JSON.stringify(strings)};
  var DEFAULT_TITLE = ${JSON.stringify(defaultTitle)};
  var DEFAULT_ACCENT = '#0b5cad';
  var script = document.currentScript;
  var base;
  try {
    base = new URL(script && script.src ? script.src : '', window.location.href).origin;
  } catch (error) {
    return;
  }

  function setting(name) {
    var value = script ? script.getAttribute('data-' + name) : null;
    return value ? value.trim() : '';
  }

  // The page's language picks the strings: an exact tag, then its language, Portuguese of any region as pt-BR.
  function pickLocale(tag) {
    var wanted = String(tag || '').split('_').join('-').toLowerCase();
    var language = wanted.split('-')[0];
    var locales = Object.keys(STRINGS);
    var i;
    for (i = 0; i < locales.length; i += 1) if (locales[i].toLowerCase() === wanted) return locales[i];
    if (language === 'pt') return 'pt-BR';
    for (i = 0; i < locales.length; i += 1) if (locales[i].toLowerCase() === language) return locales[i];
    return 'en';
  }

  // Only a value the browser itself parses as an opaque colour, returned as #rrggbb: host text never
  // reaches a style or a URL as written.
  function readColour(value) {
    if (!value || !window.CSS || !CSS.supports('color', value)) return null;
    var context = document.createElement('canvas').getContext('2d');
    if (!context) return null;
    context.fillStyle = '#000000';
    context.fillStyle = value;
    var parsed = String(context.fillStyle);
    return parsed.length === 7 && parsed.charAt(0) === '#' ? parsed : null;
  }

  function luminance(hex) {
    var total = 0;
    var weights = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i += 1) {
      var channel = parseInt(hex.substr(1 + i * 2, 2), 16) / 255;
      total += weights[i] * (channel <= 0.03928 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4));
    }
    return total;
  }

  // White or black text on the accent, whichever contrasts more (WCAG contrast ratio).
  function textOn(hex) {
    var light = luminance(hex);
    return (1.05 / (light + 0.05)) >= ((light + 0.05) / 0.05) ? '#ffffff' : '#000000';
  }

  // An avatar only from https or from the page's own origin: no javascript:, data: or plain-http images.
  function readAvatar(value) {
    if (!value) return null;
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === 'https:' || url.origin === window.location.origin ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // The page's own tag goes to the frame (the bot hears the region too); the strings need only the language.
  var pageLocale = setting('locale') || document.documentElement.lang || navigator.language || 'en';
  var locale = pickLocale(pageLocale);
  var text = STRINGS[locale] || STRINGS.en;
  var siteTitle = setting('title').slice(0, 60) || DEFAULT_TITLE;
  var accent = readColour(setting('accent')) || DEFAULT_ACCENT;
  var onAccent = textOn(accent);
  var avatar = readAvatar(setting('avatar'));
  var side = setting('position') === 'left' ? 'left' : 'right';
  var otherSide = side === 'left' ? 'right' : 'left';
  var panelId = 'gateway-doctor-chat-panel';
  var titleId = 'gateway-doctor-chat-title';
  var font = '16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var phone = window.matchMedia ? window.matchMedia('(max-width: 520px)') : null;

  function css(element, styles) {
    for (var key in styles) element.style.setProperty(key, styles[key], 'important');
  }

  function styled(tag, styles) {
    var element = document.createElement(tag);
    css(element, { all: 'initial' });
    css(element, styles);
    return element;
  }

  // all: initial also removes the browser's focus ring, so it is drawn here.
  function withFocusRing(element) {
    element.addEventListener('focus', function () { css(element, { outline: '3px solid #ffbf47', 'outline-offset': '2px' }); });
    element.addEventListener('blur', function () { css(element, { outline: 'none' }); });
  }

  var button = styled('button', {
    position: 'fixed', bottom: '20px', 'z-index': '2147483000', display: 'inline-flex', 'align-items': 'center',
    'box-sizing': 'border-box', height: '56px', 'max-width': 'calc(100vw - 40px)', padding: '0 22px', 'border-radius': '28px',
    border: '2px solid ' + onAccent, background: accent, color: onAccent, font: '600 ' + font, cursor: 'pointer',
    'box-shadow': '0 4px 14px rgba(0, 0, 0, 0.3)', 'white-space': 'nowrap', overflow: 'hidden', 'text-overflow': 'ellipsis'
  });
  css(button, { [side]: '20px', [otherSide]: 'auto' });
  button.type = 'button';
  button.textContent = text.launcher;
  button.setAttribute('aria-haspopup', 'dialog');
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', panelId);
  button.setAttribute('data-gd-embed', 'button');
  withFocusRing(button);

  var panel = styled('div', {
    position: 'fixed', 'z-index': '2147483000', display: 'none', 'flex-direction': 'column', 'box-sizing': 'border-box',
    background: '#ffffff', color: '#1b1b1b', overflow: 'hidden', font: font
  });
  panel.id = panelId;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-labelledby', titleId);
  panel.setAttribute('data-gd-embed', 'panel');

  var header = styled('div', {
    display: 'flex', 'align-items': 'center', gap: '10px', 'flex': '0 0 auto',
    padding: '8px 8px 8px 16px', background: accent, color: onAccent
  });
  if (avatar) {
    // Decorative: the title next to it says who this is.
    var picture = styled('img', { display: 'block', width: '32px', height: '32px', 'border-radius': '16px', 'object-fit': 'cover' });
    picture.alt = '';
    picture.src = avatar;
    picture.setAttribute('data-gd-embed', 'avatar');
    header.appendChild(picture);
  }
  var title = styled('h2', {
    display: 'block', flex: '1 1 auto', margin: '0', font: '600 ' + font, color: onAccent,
    overflow: 'hidden', 'text-overflow': 'ellipsis', 'white-space': 'nowrap'
  });
  title.id = titleId;
  title.textContent = siteTitle;
  var closeButton = styled('button', {
    display: 'block', flex: '0 0 auto', width: '44px', height: '44px', border: '0', 'border-radius': '22px',
    background: 'transparent', color: onAccent, font: '600 24px/1 system-ui, sans-serif', cursor: 'pointer', 'text-align': 'center'
  });
  closeButton.type = 'button';
  closeButton.textContent = '\\u00d7';
  closeButton.setAttribute('aria-label', text.close);
  closeButton.setAttribute('data-gd-embed', 'close');
  withFocusRing(closeButton);
  header.appendChild(title);
  header.appendChild(closeButton);

  var frame = styled('iframe', { display: 'block', flex: '1 1 auto', width: '100%', 'min-height': '0', border: '0' });
  frame.title = text.frameTitle.split('{{name}}').join(siteTitle);
  frame.setAttribute('data-gd-embed', 'frame');
  // The Copy button of a ready-to-send message writes to the clipboard from inside the frame.
  frame.setAttribute('allow', 'clipboard-write');
  panel.appendChild(header);
  panel.appendChild(frame);

  var isOpen = false;
  var frameReady = false;

  // A floating panel on wide screens; the whole screen on phones, so the send box is never off-screen.
  function layout() {
    var small = phone ? phone.matches : false;
    if (small) {
      css(panel, { top: '0', bottom: '0', left: '0', right: '0', width: '100%', height: '100%', border: '0', 'border-radius': '0', 'box-shadow': 'none' });
    } else {
      css(panel, {
        top: 'auto', bottom: '88px', width: 'min(400px, calc(100vw - 40px))', height: 'min(620px, calc(100vh - 120px))',
        border: '1px solid #8a8a8a', 'border-radius': '12px', 'box-shadow': '0 8px 28px rgba(0, 0, 0, 0.35)'
      });
      css(panel, { [side]: '20px', [otherSide]: 'auto' });
    }
    css(button, { display: small && isOpen ? 'none' : 'inline-flex' });
  }

  function requestFocus() {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: 'gatewayDoctor/focus' }, base);
  }

  function frameUrl() {
    var query = 'locale=' + encodeURIComponent(pageLocale) + '&name=' + encodeURIComponent(siteTitle);
    if (accent !== DEFAULT_ACCENT) query += '&accent=' + encodeURIComponent(accent.slice(1));
    return base + '/embed/frame?' + query;
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
    if (!frame.getAttribute('src')) frame.setAttribute('src', frameUrl());
    isOpen = true;
    css(panel, { display: 'flex' });
    button.setAttribute('aria-expanded', 'true');
    layout();
    if (restored) return;
    frame.focus();
    if (frameReady) requestFocus();
  }

  function close(returnFocus) {
    rememberOpen(false);
    isOpen = false;
    css(panel, { display: 'none' });
    button.setAttribute('aria-expanded', 'false');
    layout();
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
  if (phone) {
    if (phone.addEventListener) phone.addEventListener('change', layout); else if (phone.addListener) phone.addListener(layout);
  }
  layout();

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
}
