// The help desk inbox in the browser. The admin token lives in sessionStorage (this tab only, gone when it
// closes) and travels as a bearer header, never in a URL. Everything people wrote is shown with textContent.

(() => {
  const TOKEN_KEY = 'gatewayDoctor.adminToken';
  const NAME_KEY = 'gatewayDoctor.agentName';
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);
  // The page's language: the server put its sentences in a JSON block (no script runs from it).
  const STRINGS = JSON.parse($('inbox-strings').textContent || '{}');
  const say = (key, vars) =>
    (STRINGS[key] || key).replace(/\{\{(\w+)\}\}/g, (_, name) => (vars && vars[name] !== undefined ? String(vars[name]) : ''));
  let timer;

  const el = (tag, props, children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  };

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  function showSignIn(message) {
    clearTimeout(timer);
    $('inbox').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
  }

  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(say('refused'));
      throw new Error('unauthorized');
    }
    if (res.status === 404 && path === '/api/admin/handoffs') {
      showSignIn(say('off'));
      throw new Error('off');
    }
    return res;
  }

  function facts(c) {
    const s = c.summary || {};
    const rows = [
      [say('from'), say('fromValue', { name: c.source.userName || say('someone'), channel: c.source.channelId })],
      [say('language'), c.locale],
      [say('site'), s.url || say('notGiven')],
      [say('role'), s.role || say('unknown')],
    ];
    if (s.variant) rows.push([say('errorShown'), s.variant]);
    for (const p of s.probes || []) {
      rows.push([
        say('check', { at: new Date(p.checkedAt).toLocaleString(document.documentElement.lang) }),
        [p.verdict, p.httpStatus && `HTTP ${p.httpStatus}`, p.producer, ...(p.requestIds || [])].filter(Boolean).join(', '),
      ]);
    }
    if ((s.stepsTried || []).length) rows.push([say('stepsTried'), s.stepsTried.map((t) => `${t.step}: ${t.answer}`).join('; ')]);
    if ((s.lastMessages || []).length) rows.push([say('theirWords'), s.lastMessages.join(' | ')]);
    return el(
      'dl',
      {},
      rows.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: String(v) })]),
    );
  }

  function caseCard(c) {
    const transcript = el(
      'ol',
      { className: 'transcript' },
      (c.transcript || []).map((line) =>
        el('li', {
          className: line.from,
          textContent: `${line.from === 'agent' ? line.name || say('helpDesk') : say('person')}: ${line.text}`,
        }),
      ),
    );
    const text = el('textarea', { maxLength: 4000, required: true });
    text.setAttribute('aria-label', say('replyLabel'));
    const send = el('button', { type: 'submit', textContent: say('send') });
    const end = el('button', { type: 'button', textContent: say('end') });
    const error = el('p', { role: 'alert' });
    error.setAttribute('role', 'alert');
    const form = el('form', { className: 'reply' }, [text, send, end, error]);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const words = text.value.trim();
      if (!words) return;
      const name = $('agent-name').value.trim();
      const res = await api(
        'POST',
        `/api/admin/handoffs/${encodeURIComponent(c.id)}/messages`,
        name ? { text: words, name } : { text: words },
      );
      if (res.ok) {
        text.value = '';
        refresh();
      } else error.textContent = say('notSent', { status: res.status });
    });
    end.addEventListener('click', async () => {
      const name = $('agent-name').value.trim();
      const res = await api('POST', `/api/admin/handoffs/${encodeURIComponent(c.id)}/end`, name ? { name } : undefined);
      if (!res.ok) error.textContent = say('notEnded', { status: res.status });
      refresh();
    });
    const status = el('span', { className: `status-${c.status}`, textContent: say(c.status) });
    return el('article', { className: 'case' }, [
      el('h2', {}, [
        `${say('caseTitle', { id: c.id.slice(0, 8) })} · `,
        status,
        ` · ${new Date(c.createdAt).toLocaleString(document.documentElement.lang)}`,
      ]),
      facts(c),
      transcript,
      form,
    ]);
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const res = await api('GET', '/api/admin/handoffs');
      const body = await res.json();
      const cases = body.cases || [];
      $('inbox-state').textContent = cases.length ? say('openCases', { count: cases.length }) : say('none');
      // A reply being typed is not wiped by the refresh.
      const typing = document.activeElement && document.activeElement.tagName === 'TEXTAREA' && document.activeElement.value;
      if (!typing) $('cases').replaceChildren(...cases.map(caseCard));
    } catch (err) {
      if (err.message === 'unauthorized' || err.message === 'off') return;
      $('inbox-state').textContent = say('loadFailed');
    }
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function start() {
    $('sign-in').hidden = true;
    $('inbox').hidden = false;
    refresh();
  }

  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    start();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('');
  });
  $('agent-name').value = sessionStorage.getItem(NAME_KEY) || '';
  $('agent-name').addEventListener('change', () => sessionStorage.setItem(NAME_KEY, $('agent-name').value.trim()));
  if (token()) start();
  else showSignIn('');
})();
