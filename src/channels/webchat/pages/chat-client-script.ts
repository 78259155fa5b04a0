/**
 * The browser script that starts the widget (served at /assets/chat.js; pages carry no inline script, so the
 * CSP can forbid it). It reads its settings from the `[data-gd-chat]` element (the frame page writes them,
 * already translated and validated), asks this server for a token, connects with the widget's own Direct
 * Line client, and tells the bot which browser it runs in. The session section keeps the conversation across
 * reloads, same-site navigation and server restarts (docs/webchat-sessions.md).
 * Written as plain ES2017 for every browser the widget supports; no template literals, so no `${` here.
 * The widget features (length limit, answered cards, draft actions) sit in their own functions, each
 * plugged into Web Chat as a middleware, so other features can be added beside them without conflicts.
 */
export const CHAT_CLIENT_SCRIPT = `(function () {
  'use strict';
  var mount = document.querySelector('[data-gd-chat]');
  if (!mount) return;
  var status = mount.querySelector('[data-gd-status]');
  var inFrame = mount.getAttribute('data-gd-frame') === '1';
  var locale = mount.getAttribute('data-locale') || document.documentElement.lang || navigator.language || 'en-US';
  var strings = readJson(mount.getAttribute('data-gd-strings')) || {};
  var maxLength = Number(mount.getAttribute('data-gd-max-length')) || 4000;
  var accent = mount.getAttribute('data-gd-accent') || '#0b5cad';
  var counter = mount.querySelector('[data-gd-counter]');
  var notice = mount.querySelector('[data-gd-notice]');

  function readJson(text) {
    try {
      return text ? JSON.parse(text) : null;
    } catch (error) {
      return null;
    }
  }

  // i18next's {{name}} placeholders, filled in here because the strings come from locales/ untouched.
  function fill(template, vars) {
    var out = String(template || '');
    for (var key in vars) out = out.split('{{' + key + '}}').join(String(vars[key]));
    return out;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function tell(text) {
    if (!notice) return;
    // Emptied first so the same sentence twice is announced twice.
    notice.textContent = '';
    setTimeout(function () { notice.textContent = text; }, 50);
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

  // ---- widget: the length limit (the server refuses longer messages, so say so before sending) ----
  var overLimit = false;

  function formatCount(count) {
    try {
      return count.toLocaleString(locale);
    } catch (error) {
      return String(count);
    }
  }

  function showLength(length) {
    var near = length >= Math.floor(maxLength * 0.8);
    if (counter) {
      counter.textContent = near ? fill(strings.counter, { count: formatCount(length), max: formatCount(maxLength) }) : '';
      counter.setAttribute('data-over', length > maxLength ? 'true' : 'false');
    }
    var input = mount.querySelector('[data-id="webchat-sendbox-input"]');
    if (input) input.setAttribute('aria-invalid', length > maxLength ? 'true' : 'false');
    if (length > maxLength && !overLimit) tell(tooLongText(length));
    if (length <= maxLength && overLimit && notice) notice.textContent = '';
    overLimit = length > maxLength;
  }

  function tooLongText(length) {
    return fill(strings.tooLong, { count: formatCount(length), max: formatCount(maxLength) });
  }

  function lengthLimitMiddleware(api) {
    return function (next) {
      return function (action) {
        if (action.type === 'WEB_CHAT/SET_SEND_BOX') {
          showLength(String((action.payload && action.payload.text) || '').length);
        } else if (action.type === 'WEB_CHAT/SUBMIT_SEND_BOX') {
          var text = String(api.getState().sendBoxValue || '');
          // Refused here, the text stays in the send box to be shortened; sent, it would only fail.
          if (text.length > maxLength) {
            tell(tooLongText(text.length));
            return undefined;
          }
        } else if (action.type === 'WEB_CHAT/SEND_MESSAGE') {
          var sent = String((action.payload && action.payload.text) || '');
          if (sent.length > maxLength) {
            tell(tooLongText(sent.length));
            return undefined;
          }
        }
        return next(action);
      };
    };
  }

  // ---- widget: answered cards lose their buttons, as in Teams ----
  var RETIRED = 'gatewayDoctor:retired';
  var ANSWERED = 'gatewayDoctor:answered';
  var ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

  function hasLiveButtons(activity) {
    if (!activity || !activity.from || activity.from.role !== 'bot' || !activity.attachments) return false;
    if (activity.channelData && activity.channelData[RETIRED]) return false;
    return activity.attachments.some(function (attachment) {
      var actions = attachment && attachment.contentType === ADAPTIVE_CARD && attachment.content && attachment.content.actions;
      return !!actions && actions.some(function (action) { return action.type === 'Action.Submit'; });
    });
  }

  // A card is answered once one of its buttons was pressed, or once the bot wrote again in a later turn
  // (messages of the same turn share replyToId: a verdict card followed by the first step keeps its buttons).
  function retireCards(api, unlessReplyTo) {
    var activities = api.getState().activities || [];
    activities.forEach(function (activity) {
      if (!hasLiveButtons(activity)) return;
      if (unlessReplyTo && activity.replyToId === unlessReplyTo) return;
      api.dispatch({ type: 'WEB_CHAT/MARK_ACTIVITY', payload: { activityID: activity.id, name: RETIRED, value: true } });
    });
  }

  // The pressed button's label, kept under the card: a postBack leaves no bubble of its own in the transcript.
  function markAnswer(api, value) {
    var wanted = JSON.stringify(value && value.gatewayDoctor);
    if (!wanted) return;
    (api.getState().activities || []).forEach(function (activity) {
      if (!hasLiveButtons(activity)) return;
      activity.attachments.forEach(function (attachment) {
        ((attachment.content && attachment.content.actions) || []).forEach(function (action) {
          if (action.type === 'Action.Submit' && action.data && JSON.stringify(action.data.gatewayDoctor) === wanted) {
            api.dispatch({ type: 'WEB_CHAT/MARK_ACTIVITY', payload: { activityID: activity.id, name: ANSWERED, value: String(action.title) } });
          }
        });
      });
    });
  }

  var pressedOver = null;

  function liveCardIds(api) {
    return (api.getState().activities || []).filter(hasLiveButtons).map(function (activity) { return activity.id; });
  }

  function retireIds(api, ids) {
    (api.getState().activities || []).forEach(function (activity) {
      if (ids.indexOf(activity.id) < 0 || !hasLiveButtons(activity)) return;
      api.dispatch({ type: 'WEB_CHAT/MARK_ACTIVITY', payload: { activityID: activity.id, name: RETIRED, value: true } });
    });
  }

  function answeredCardsMiddleware(api) {
    return function (next) {
      return function (action) {
        var incoming = action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload && action.payload.activity;
        if (incoming && incoming.type === 'message' && incoming.from && incoming.from.role === 'bot') {
          retireCards(api, incoming.replyToId || '');
        } else if (action.type === 'WEB_CHAT/SEND_POST_BACK' || action.type === 'WEB_CHAT/SEND_MESSAGE_BACK') {
          markAnswer(api, action.payload && action.payload.value);
          // The cards on screen at the press; the bot's answer may bring new ones before the post is confirmed.
          pressedOver = liveCardIds(api);
        } else if (action.type === 'DIRECT_LINE/POST_ACTIVITY_FULFILLED') {
          // Buttons go only once the bot has the answer: a press while the server is away stays retryable.
          var posted = action.payload && action.payload.activity;
          if (posted && posted.value && typeof posted.value === 'object' && pressedOver) {
            retireIds(api, pressedOver);
            pressedOver = null;
          }
        }
        return next(action);
      };
    };
  }

  // ---- widget: ready-to-send drafts get a Copy button next to the bot's mailto: action ----
  function isMailto(action) {
    return action && action.type === 'Action.OpenUrl' && typeof action.url === 'string' && action.url.slice(0, 7).toLowerCase() === 'mailto:';
  }

  function mailBody(url) {
    var query = url.indexOf('?') >= 0 ? url.slice(url.indexOf('?') + 1) : '';
    var parts = query.split('&');
    for (var i = 0; i < parts.length; i += 1) {
      if (parts[i].slice(0, 5) === 'body=') {
        try {
          return decodeURIComponent(parts[i].slice(5)).split('\\r\\n').join('\\n');
        } catch (error) {
          return null;
        }
      }
    }
    return null;
  }

  function withWidgetActions(attachment, retired, answer) {
    var content = attachment.content;
    if (answer) {
      var mark = { type: 'TextBlock', text: '\u2713 ' + answer, wrap: true, isSubtle: true, spacing: 'Medium' };
      content = Object.assign({}, content, { body: (content.body || []).concat([mark]) });
    }
    var actions = (content.actions || []).filter(function (action) { return !(retired && action.type === 'Action.Submit'); });
    var withCopy = [];
    actions.forEach(function (action) {
      var body = isMailto(action) ? mailBody(action.url) : null;
      if (body) withCopy.push({ type: 'Action.Submit', title: strings.copy || 'Copy', data: { gatewayDoctorCopy: body } });
      withCopy.push(action);
    });
    var copy = Object.assign({}, content, { actions: withCopy });
    if (withCopy.length === 0) delete copy.actions;
    return Object.assign({}, attachment, { content: copy });
  }

  function attachmentMiddleware() {
    return function (next) {
      return function (args) {
        var attachment = args && args.attachment;
        if (!attachment || attachment.contentType !== ADAPTIVE_CARD || !attachment.content) return next.apply(null, arguments);
        var channelData = (args.activity && args.activity.channelData) || {};
        var answer = typeof channelData[ANSWERED] === 'string' ? channelData[ANSWERED] : '';
        return next(Object.assign({}, args, { attachment: withWidgetActions(attachment, !!channelData[RETIRED], answer) }));
      };
    };
  }

  function copyText(text) {
    function fallback() {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var done = false;
      try {
        done = document.execCommand('copy');
      } catch (error) {
        done = false;
      }
      area.remove();
      tell(done ? strings.copied : strings.copyFailed);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { tell(strings.copied); }, fallback);
    } else {
      fallback();
    }
  }

  function cardActionMiddleware() {
    return function (next) {
      return function (args) {
        var action = args && args.cardAction;
        if (action && action.value && typeof action.value.gatewayDoctorCopy === 'string') {
          copyText(action.value.gatewayDoctorCopy);
          return undefined;
        }
        if (action && action.type === 'openUrl' && typeof action.value === 'string' && action.value.slice(0, 7).toLowerCase() === 'mailto:') {
          // The mail program opens; the page stays (a new tab would stay blank).
          window.location.href = action.value;
          return undefined;
        }
        return next.apply(null, arguments);
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
    mount.insertBefore(target, mount.firstChild);
    window.WebChat.renderWebChat({
      directLine: directLine,
      store: window.WebChat.createStore({}, clientInfoMiddleware, lengthLimitMiddleware, answeredCardsMiddleware),
      attachmentMiddleware: attachmentMiddleware,
      cardActionMiddleware: cardActionMiddleware,
      locale: locale,
      styleOptions: {
        hideUploadButton: true,
        botAvatarInitials: 'GD',
        accent: accent,
        bubbleBorderRadius: 8,
        bubbleFromUserBorderRadius: 8,
        bubbleMinWidth: 120,
        // A textarea: Enter sends, Shift+Enter starts a new line, pasted log lines keep their breaks.
        sendBoxTextWrap: true,
        sendBoxMaxHeight: 160
      }
    }, target);
    if (inFrame) window.parent.postMessage({ type: 'gatewayDoctor/ready' }, '*');
  }

  if (!window.WebChat || !window.fetch) {
    say(strings.loadFailed || 'The chat could not load in this browser. Reload the page to try again.');
    return;
  }
  function fail() {
    say(strings.startFailed || 'The chat could not start. Reload the page to try again.');
  }
  session.start(render, fail);
})();
`;
