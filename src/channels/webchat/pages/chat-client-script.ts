/**
 * The browser script that starts the widget (served at /assets/chat.js; pages carry no inline script, so the
 * CSP can forbid it). It reads its settings from the `[data-gd-chat]` element, asks this server for a token,
 * connects with the widget's own Direct Line client, and tells the bot which browser it runs in.
 * Written as plain ES2017 for every browser the widget supports; no template literals, so no `${` here.
 */
export const CHAT_CLIENT_SCRIPT = `(function () {
  'use strict';
  var mount = document.querySelector('[data-gd-chat]');
  if (!mount) return;
  var status = mount.querySelector('[data-gd-status]');
  var inFrame = mount.getAttribute('data-gd-frame') === '1';
  var locale = mount.getAttribute('data-locale') || document.documentElement.lang || navigator.language || 'en-US';

  function say(text) {
    if (status) status.textContent = text;
  }

  function focusSendBox(triesLeft) {
    var input = mount.querySelector('[data-id="webchat-sendbox-input"]');
    if (input) {
      input.focus();
    } else if (triesLeft > 0) {
      setTimeout(function () { focusSendBox(triesLeft - 1); }, 100);
    }
  }

  if (inFrame) {
    // The embedding page asks for focus when its panel opens; only its messages count.
    window.addEventListener('message', function (event) {
      if (event.source !== window.parent || !event.data || event.data.type !== 'gatewayDoctor/focus') return;
      focusSendBox(100);
    });
    // Escape closes the panel unless the widget used the key itself (it does inside cards and lists).
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && !event.defaultPrevented) {
        window.parent.postMessage({ type: 'gatewayDoctor/close' }, '*');
      }
    });
  }

  function clientInfoMiddleware(api) {
    return function (next) {
      return function (action) {
        if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
          api.dispatch({
            type: 'WEB_CHAT/SEND_EVENT',
            payload: { name: 'gatewayDoctor/clientInfo', value: { userAgent: navigator.userAgent, language: navigator.language } }
          });
        }
        return next(action);
      };
    };
  }

  function render(session) {
    var domain = session.domain || (window.location.origin + '/v3/directline');
    var directLine = window.WebChat.createDirectLine({
      token: session.token,
      domain: domain,
      conversationStartProperties: { locale: locale }
    });
    var target = document.createElement('div');
    target.className = 'gd-chat__widget';
    if (status) status.remove();
    mount.appendChild(target);
    window.WebChat.renderWebChat({
      directLine: directLine,
      store: window.WebChat.createStore({}, clientInfoMiddleware),
      locale: locale,
      styleOptions: {
        hideUploadButton: true,
        botAvatarInitials: 'GD',
        accent: '#0b5cad',
        bubbleBorderRadius: 8,
        bubbleFromUserBorderRadius: 8
      }
    }, target);
    if (inFrame) window.parent.postMessage({ type: 'gatewayDoctor/ready' }, '*');
  }

  if (!window.WebChat || !window.fetch) {
    say('The chat could not load in this browser. Reload the page to try again.');
    return;
  }
  fetch('/api/webchat/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
    credentials: 'same-origin'
  })
    .then(function (response) {
      if (!response.ok) throw new Error('token request failed with ' + response.status);
      return response.json();
    })
    .then(render)
    .catch(function () {
      say('The chat could not start. Reload the page to try again.');
    });
})();
`;
