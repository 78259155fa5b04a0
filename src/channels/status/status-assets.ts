/**
 * The status page's browser side: its script and its stylesheet, served as separate files so the page
 * can run under a strict Content-Security-Policy (no inline script or style).
 *
 * The script is plain ES2017 kept in a string: it runs in browsers, not in Node, and serialising a
 * compiled function would pick up loader helpers (tsx/esbuild inject `__name`) that browsers lack.
 * It reads its configuration from the page's `#status-config` JSON, re-renders every section whose
 * `<tbody data-section-rows="...">` it has a renderer for, and only ever writes text with `textContent`.
 */

/** Served at /assets/status.js. */
export const STATUS_SCRIPT = String.raw`(function () {
  'use strict';
  var configElement = document.getElementById('status-config');
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent || '{}');
  var root = document.documentElement;

  function t(key, vars) {
    var text = Object.prototype.hasOwnProperty.call(config.strings, key) ? config.strings[key] : key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, function (_match, name) {
      return vars && vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : '';
    });
  }

  var relativeFormat = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(config.locale, { numeric: 'auto' }) : null;
  var dateTimeFormat = new Intl.DateTimeFormat(config.locale, { dateStyle: 'medium', timeStyle: 'short' });
  var timeFormat = new Intl.DateTimeFormat(config.locale, { timeStyle: 'short' });
  var UNITS = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

  function relativeTime(then, now) {
    var seconds = Math.round((then - now) / 1000);
    if (!relativeFormat) return dateTimeFormat.format(new Date(then));
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || UNITS[i][0] === 'second') {
        return relativeFormat.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return '';
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** Renderers by section id; a new section on the page adds one entry here. */
  var sections = {
    recent: function (tbody, data, now) {
      var checks = Array.isArray(data.checks) ? data.checks : [];
      clear(tbody);
      if (checks.length === 0) {
        var emptyRow = element('tr');
        var emptyCell = element('td', 'empty', t(config.emptyKey || 'recent.noneListed'));
        emptyCell.colSpan = config.recentColumns;
        emptyRow.appendChild(emptyCell);
        tbody.appendChild(emptyRow);
        return;
      }
      checks.forEach(function (check) {
        var row = element('tr');
        var host = element('th', 'host', check.host);
        host.scope = 'row';
        row.appendChild(host);

        var shown = config.displayVerdicts[check.verdict] || 'invalid';
        var verdictCell = element('td');
        verdictCell.appendChild(element('span', 'verdict tone-' + (config.tones[shown] || 'neutral'), t('verdict.' + shown)));
        if (typeof check.httpStatus === 'number') {
          verdictCell.appendChild(document.createTextNode(' '));
          verdictCell.appendChild(element('span', 'http-status', t('httpStatus', { status: check.httpStatus })));
        }
        row.appendChild(verdictCell);

        var producer = check.producer && config.producerNames[check.producer];
        row.appendChild(element('td', producer ? '' : 'unknown', producer || t('producer.unknown')));

        var timeCell = element('td');
        var then = Date.parse(check.checkedAt);
        if (!isNaN(then)) {
          var time = element('time', '', relativeTime(then, now));
          time.dateTime = new Date(then).toISOString();
          time.title = dateTimeFormat.format(new Date(then));
          timeCell.appendChild(time);
        }
        row.appendChild(timeCell);
        row.appendChild(element('td', 'number', String(check.asks)));
        tbody.appendChild(row);
      });
    }
  };

  var updated = document.getElementById('status-updated');

  function refresh() {
    if (document.hidden) return;
    fetch(config.apiUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        var now = Date.now();
        var bodies = document.querySelectorAll('[data-section-rows]');
        for (var i = 0; i < bodies.length; i++) {
          var render = sections[bodies[i].getAttribute('data-section-rows')];
          if (render) render(bodies[i], data, now);
        }
        if (updated) {
          updated.textContent = t('updated', { time: timeFormat.format(new Date(now)) });
          updated.classList.remove('stale');
        }
      })
      .catch(function () {
        if (updated) {
          updated.textContent = t('refreshFailed');
          updated.classList.add('stale');
        }
      });
  }

  setInterval(refresh, config.refreshMs);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) refresh();
  });

  // Inside Teams (an iframe, or a pop-out window): follow its theme and language. Anywhere else the
  // SDK is not even loaded; and if Teams never answers, the page simply stays a plain web page.
  // <html data-host> says which it turned out to be ("teams" or "web"), for styles and tests.
  var THEMES = { default: true, dark: true, contrast: true };
  function applyTheme(theme) {
    root.setAttribute('data-theme', THEMES[theme] ? theme : 'default');
  }
  function supportedLocale(tag) {
    if (typeof tag !== 'string' || tag === '') return null;
    var wanted = tag.replace(/_/g, '-').toLowerCase();
    var language = wanted.split('-')[0];
    if (language === 'pt') return 'pt-BR';
    for (var i = 0; i < config.locales.length; i++) {
      if (config.locales[i].toLowerCase() === wanted || config.locales[i].toLowerCase() === language) return config.locales[i];
    }
    return null;
  }
  function framed() {
    try {
      return window.parent !== window || Boolean(window.opener);
    } catch (error) {
      return true;
    }
  }
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  function withTimeout(promise, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('timed out')); }, ms);
      promise.then(
        function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); }
      );
    });
  }

  if (framed()) {
    loadScript(config.teamsJsUrl)
      .then(function () {
        var teams = window.microsoftTeams;
        return withTimeout(teams.app.initialize(), config.teamsInitTimeoutMs)
          .then(function () { return teams.app.getContext(); })
          .then(function (context) {
            var app = (context && context.app) || {};
            root.setAttribute('data-host', 'teams');
            applyTheme(app.theme);
            teams.app.registerOnThemeChangeHandler(applyTheme);
            var locale = supportedLocale(app.locale);
            if (locale && locale !== config.locale && !config.languageChosen) {
              var url = new URL(window.location.href);
              url.searchParams.set('lang', locale);
              window.location.replace(url.toString());
            }
          });
      })
      .catch(function () {
        root.setAttribute('data-host', 'web');
      });
  } else {
    root.setAttribute('data-host', 'web');
  }
})();
`;

/** Served at /assets/status.css. Colours are CSS variables set per theme (Teams: default, dark, contrast). */
export const STATUS_STYLES = `:root {
  color-scheme: light;
  --bg: #ffffff; --fg: #242424; --muted: #616161; --border: #e0e0e0; --stripe: #f7f7f7;
  --ok-fg: #0e700e; --ok-bg: #f1faf1; --warn-fg: #835b00; --warn-bg: #fff9f0; --bad-fg: #b10e1c; --bad-bg: #fdf3f4;
  --neutral-fg: #424242; --neutral-bg: #f0f0f0; --focus: #5b5fc7;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme]) {
    color-scheme: dark;
    --bg: #1f1f1f; --fg: #ffffff; --muted: #adadad; --border: #3d3d3d; --stripe: #262626;
    --ok-fg: #54b054; --ok-bg: #052505; --warn-fg: #f2c661; --warn-bg: #2e2100; --bad-fg: #f1707b; --bad-bg: #3b0509;
    --neutral-fg: #d6d6d6; --neutral-bg: #333333; --focus: #7f85f5;
  }
}
:root[data-theme="dark"] {
  color-scheme: dark;
  --bg: #1f1f1f; --fg: #ffffff; --muted: #adadad; --border: #3d3d3d; --stripe: #262626;
  --ok-fg: #54b054; --ok-bg: #052505; --warn-fg: #f2c661; --warn-bg: #2e2100; --bad-fg: #f1707b; --bad-bg: #3b0509;
  --neutral-fg: #d6d6d6; --neutral-bg: #333333; --focus: #7f85f5;
}
:root[data-theme="contrast"] {
  color-scheme: dark;
  --bg: #000000; --fg: #ffffff; --muted: #ffffff; --border: #ffffff; --stripe: #000000;
  --ok-fg: #3ff23f; --ok-bg: #000000; --warn-fg: #ffff01; --warn-bg: #000000; --bad-fg: #ff6b6b; --bad-bg: #000000;
  --neutral-fg: #ffffff; --neutral-bg: #000000; --focus: #1aebff;
}
* { box-sizing: border-box; }
body {
  margin: 0; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 14px/1.45 "Segoe UI", system-ui, -apple-system, "Hiragino Sans", "Yu Gothic UI", sans-serif;
}
:root[data-host="teams"] body { padding: 1rem 1.25rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.125rem; margin: 1.5rem 0 0.5rem; }
p { margin: 0.25rem 0; }
.muted, .unknown, caption { color: var(--muted); }
#status-updated.stale { color: var(--warn-fg); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 36rem; }
caption { text-align: start; padding: 0 0 0.5rem; }
th, td { text-align: start; padding: 0.5rem 0.75rem; border-bottom: 1px solid var(--border); vertical-align: top; }
thead th { font-weight: 600; border-bottom-width: 2px; }
tbody tr:nth-child(even) { background: var(--stripe); }
tbody th { font-weight: 600; overflow-wrap: anywhere; }
td.number { text-align: end; font-variant-numeric: tabular-nums; }
td.empty { color: var(--muted); text-align: center; padding: 1.5rem; }
.verdict { display: inline-block; padding: 0 0.5rem; border-radius: 0.75rem; border: 1px solid currentColor; font-weight: 600; }
.tone-ok { color: var(--ok-fg); background: var(--ok-bg); }
.tone-warn { color: var(--warn-fg); background: var(--warn-bg); }
.tone-bad { color: var(--bad-fg); background: var(--bad-bg); }
.tone-neutral { color: var(--neutral-fg); background: var(--neutral-bg); }
.http-status { color: var(--muted); font-variant-numeric: tabular-nums; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
`;
