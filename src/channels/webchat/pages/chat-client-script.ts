/**
 * The browser script that starts the widget (served at /assets/chat.js; pages carry no inline script, so the
 * CSP can forbid it). It reads its settings from the `[data-gd-chat]` element (the frame page writes them,
 * already translated and validated), asks this server for a token, connects with the widget's own Direct
 * Line client, and tells the bot which browser it runs in.
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

  function answeredCardsMiddleware(api) {
    return function (next) {
      return function (action) {
        var incoming = action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload && action.payload.activity;
        if (incoming && incoming.type === 'message' && incoming.from && incoming.from.role === 'bot') {
          retireCards(api, incoming.replyToId || '');
        } else if (action.type === 'WEB_CHAT/SEND_POST_BACK' || action.type === 'WEB_CHAT/SEND_MESSAGE_BACK') {
          markAnswer(api, action.payload && action.payload.value);
          retireCards(api, '');
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
      say(strings.startFailed || 'The chat could not start. Reload the page to try again.');
    });
})();
`;
