/**
 * The browser script that starts the widget (served at /assets/chat.js; pages carry no inline script, so the
 * CSP can forbid it). It reads its settings from the `[data-gd-chat]` element, asks this server for a token,
 * connects with the widget's own Direct Line client, and tells the bot which browser it runs in. The session
 * section keeps the conversation across reloads, same-site navigation and server restarts
 * (docs/webchat-sessions.md). Written as plain ES2017 for every browser the widget supports; no template literals, so no `${` here.
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

  // ---- session: keep the conversation across reloads and restarts (docs/webchat-sessions.md) ----
  // sessionStorage holds { conversationId, token, expiresAt, watermark, domain } for this tab and origin.
  // A page load resumes it (GET /v3/directline/conversations/{id}?watermark=N with the token); a resumed
  // widget replays the history from the start, because its transcript is empty. A lost connection is
  // retried with a backoff while the server is down; a conversation or token the server no longer accepts
  // (404, 403) starts a fresh one.
  var SESSION_KEY = 'gatewayDoctor.session';
  var REFRESH_MARGIN_MS = 5 * 60 * 1000;
  var MAX_RETRY_MS = 15000;
  var session = {
    load: function () {
      try {
        var saved = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || 'null');
        if (saved && typeof saved.conversationId === 'string' && typeof saved.token === 'string') return saved;
      } catch (error) {
        // Storage disabled (a privacy setting) or a value that is not ours: start fresh.
      }
      return null;
    },
    save: function (value) {
      try {
        window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
      } catch (error) {
        // Without storage the chat still works; it just will not survive a reload.
      }
    },
    clear: function () {
      try {
        window.sessionStorage.removeItem(SESSION_KEY);
      } catch (error) {
        // Nothing to clear.
      }
    },
    domainOf: function (value) {
      return (value && value.domain) || (window.location.origin + '/v3/directline');
    },
    request: function (method, url, token) {
      return fetch(url, {
        method: method,
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        credentials: 'omit'
      });
    },
    // A new chat: a token from this server, saved before the widget connects.
    fresh: function () {
      return fetch('/api/webchat/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
        credentials: 'same-origin'
      }).then(function (response) {
        if (!response.ok) throw new Error('token request failed with ' + response.status);
        return response.json();
      }).then(function (answer) {
        var value = {
          conversationId: answer.conversationId,
          token: answer.token,
          expiresAt: Date.now() + (answer.expires_in || 1800) * 1000,
          watermark: '',
          domain: answer.domain || ''
        };
        session.save(value);
        return value;
      });
    },
    // The saved chat if the server still knows it (with a refreshed token), a fresh one if it does not;
    // rejects with { retry: true } while the server cannot be reached.
    resume: function (saved) {
      var domain = session.domainOf(saved);
      var url = domain + '/conversations/' + encodeURIComponent(saved.conversationId) +
        '?watermark=' + encodeURIComponent(saved.watermark || '');
      return session.request('GET', url, saved.token).then(function (response) {
        if (response.status === 403 || response.status === 404) {
          session.clear();
          return session.fresh();
        }
        if (!response.ok) throw { retry: true };
        return response.json().then(function (answer) {
          var value = {
            conversationId: saved.conversationId,
            token: answer.token || saved.token,
            expiresAt: Date.now() + (answer.expires_in || 1800) * 1000,
            watermark: saved.watermark || '',
            domain: saved.domain || ''
          };
          session.save(value);
          value.resumed = true;
          return value;
        });
      }, function () {
        throw { retry: true };
      });
    },
    start: function (onReady, onFailure) {
      var attempt = 0;
      function tryStart() {
        var saved = session.load();
        (saved ? session.resume(saved) : session.fresh()).then(onReady, function (error) {
          if (!error || !error.retry) return onFailure(error);
          attempt += 1;
          setTimeout(tryStart, Math.min(MAX_RETRY_MS, 1000 * Math.pow(2, attempt)));
        });
      }
      tryStart();
    },
    // Follows a connected widget: saves the newest token and watermark, refreshes the token before it
    // expires, and calls onLost once when the connection is given up (failed, ended or expired).
    track: function (directLine, value, onLost) {
      var lost = false;
      function remember() {
        if (typeof directLine.token === 'string' && directLine.token !== value.token) {
          value.token = directLine.token;
          value.expiresAt = Date.now() + 30 * 60 * 1000;
        }
        if (typeof directLine.watermark === 'string') value.watermark = directLine.watermark;
        if (typeof directLine.conversationId === 'string' && directLine.conversationId) value.conversationId = directLine.conversationId;
        session.save({
          conversationId: value.conversationId,
          token: value.token,
          expiresAt: value.expiresAt,
          watermark: value.watermark,
          domain: value.domain
        });
      }
      var refreshTimer = setInterval(function () {
        remember();
        if (value.expiresAt - Date.now() > REFRESH_MARGIN_MS) return;
        session.request('POST', session.domainOf(value) + '/tokens/refresh', value.token).then(function (response) {
          return response.ok ? response.json() : null;
        }).then(function (answer) {
          if (!answer || !answer.token) return;
          value.token = answer.token;
          value.expiresAt = Date.now() + (answer.expires_in || 1800) * 1000;
          session.save(value);
        }, function () {
          // Offline for now: the next tick tries again.
        });
      }, 60 * 1000);
      function giveUp() {
        if (lost) return;
        lost = true;
        clearInterval(refreshTimer);
        onLost();
      }
      // The activity stream errors out when the client stops trying (e.g. the conversation is gone after a
      // restart of a server that kept no log), sometimes without a status change.
      directLine.activity$.subscribe(function () { remember(); }, giveUp);
      // 3 ExpiredToken, 4 FailedToConnect, 5 Ended (botframework-directlinejs ConnectionStatus).
      directLine.connectionStatus$.subscribe(function (status) {
        if (status === 2) remember();
        if (status === 3 || status === 4 || status === 5) giveUp();
      });
      window.addEventListener('pagehide', remember);
    }
  };
  // ---- end of session ----

  var current = null;

  function render(value) {
    var options = { token: value.token, domain: session.domainOf(value), conversationStartProperties: { locale: locale } };
    // A resumed conversation is reconnected to (and its history replayed); a fresh one is started.
    if (value.resumed) options.conversationId = value.conversationId;
    var directLine = window.WebChat.createDirectLine(options);
    // A widget that lost its server is replaced by one on the resumed (or a fresh) conversation.
    if (current) {
      current.directLine.end();
      current.target.remove();
    }
    var target = document.createElement('div');
    current = { directLine: directLine, target: target };
    session.track(directLine, value, function () {
      session.start(render, fail);
    });
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
  function fail() {
    say('The chat could not start. Reload the page to try again.');
  }
  session.start(render, fail);
})();
`;
