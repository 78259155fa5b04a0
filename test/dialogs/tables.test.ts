import { createInitialContext } from '../../dialogs/context';
import { faultOf } from '../../dialogs/producers';
import { classify } from '../../dialogs/routing';
import { genericShortcuts, shortcutsFor } from '../../dialogs/shortcuts';
import { nextUserStep, suggestBrowser } from '../../dialogs/user-steps';
import type { ProbeResult } from '../../src/contracts';
import { publicView } from '../../src/probe/public-view';
import { createMessage, fakeCloudflareDown, fakeProbeResult } from './create-conversation';

describe('shortcuts table', () => {
  it.each([
    ['reload', 'chrome', 'windows', [['F5'], ['ctrl', 'R']]],
    [
      'hardRefresh',
      'edge',
      'windows',
      [
        ['ctrl', 'F5'],
        ['ctrl', 'shift', 'R'],
      ],
    ],
    ['privateWindow', 'firefox', 'windows', [['ctrl', 'shift', 'P']]],
    ['privateWindow', 'brave', 'linux', [['ctrl', 'shift', 'N']]],
    ['clearData', 'opera', 'windows', [['ctrl', 'shift', 'delete']]],
    ['hardRefresh', 'chrome', 'macos', [['cmd', 'shift', 'R']]],
    ['privateWindow', 'firefox', 'macos', [['cmd', 'shift', 'P']]],
    ['hardRefresh', 'safari', 'macos', [['cmd', 'option', 'R']]],
    ['clearData', 'safari', 'macos', [['cmd', 'option', 'E']]],
    ['clearData', 'chrome', 'chromeos', [['ctrl', 'shift', 'backspace']]],
  ] as const)('%s in %s on %s', (action, browser, os, keys) => {
    expect(shortcutsFor(action, browser, os)).toEqual(keys);
  });

  it('has no shortcuts on phones and tablets, or for an unknown system', () => {
    expect(shortcutsFor('reload', 'chrome', 'android')).toBeUndefined();
    expect(shortcutsFor('reload', 'safari', 'ios')).toBeUndefined();
    expect(shortcutsFor('reload', 'chrome', undefined)).toBeUndefined();
  });

  it("assumes the system's usual browser when the browser is unknown", () => {
    expect(shortcutsFor('clearData', undefined, 'macos')).toEqual([['cmd', 'option', 'E']]);
    expect(genericShortcuts('hardRefresh')).toEqual({ pc: ['ctrl', 'F5'], mac: ['cmd', 'shift', 'R'] });
  });
});

describe('fault table', () => {
  it.each([
    [fakeCloudflareDown(true), 'behindCdn', 'cloudflare'],
    [fakeCloudflareDown(false), 'cdnItself', 'cloudflare'],
    [fakeProbeResult({ verdict: 'down', producer: 'heroku', httpStatus: 502 }), 'platform', 'heroku'],
    [fakeProbeResult({ verdict: 'down', producer: 'google', httpStatus: 502 }), 'provider', 'google'],
    [fakeProbeResult({ verdict: 'dns_error', httpStatus: undefined }), 'dns', undefined],
    [fakeProbeResult({ verdict: 'timeout', httpStatus: undefined }), 'unresponsive', undefined],
  ] as const)('%#: %s', (probe, fault, producer) => {
    expect(faultOf(probe)).toEqual({ fault, ...(producer ? { producer } : {}) });
  });

  it('falls back to the producer of a pasted error page', () => {
    expect(faultOf(fakeProbeResult({ verdict: 'down', httpStatus: 502 }), 'nginx')).toEqual({
      fault: 'behindWebServer',
      producer: 'nginx',
    });
  });
});

describe('message routing', () => {
  const ctx = { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example' };

  it('lets commands outrank everything else in the message', () => {
    expect(classify(ctx, createMessage('restart with other.example', { intents: ['restart'], url: 'https://other.example/' }))).toEqual([
      { type: 'intent.restart' },
    ]);
  });

  it('keeps a language change and then handles the rest', () => {
    expect(classify(ctx, createMessage('auf Deutsch: nein', { language: 'de', intents: ['no'] }))).toEqual([
      { type: 'input.language', locale: 'de', asked: true },
      { type: 'intent.no' },
    ]);
  });

  it('routes a new URL over an answer, carrying the role said in the same message', () => {
    expect(classify(ctx, createMessage('no, I run other.example', { intents: ['no', 'admin'], url: 'https://other.example/' }))).toEqual([
      { type: 'input.url', url: 'https://other.example/', role: 'admin' },
    ]);
  });

  it('treats the same URL again as no news', () => {
    expect(classify(ctx, createMessage('shop.example', { url: 'https://shop.example/' }))).toEqual([{ type: 'input.unknown' }]);
  });

  it('explains findings before the URL of the same message', () => {
    const findings = [{ cause: 'upstream-timeout' as const, summary: 's' }];
    expect(classify(createInitialContext(), createMessage('log + url', { findings, url: 'https://shop.example/' }))).toEqual([
      { type: 'input.findings', findings, serverLogs: true, urlFollows: true, cause: 'upstream-timeout' },
      // The log describes the site named with it, so the new site keeps the log's cause.
      { type: 'input.url', url: 'https://shop.example/', cause: 'upstream-timeout' },
    ]);
  });

  it('carries the note that only part of the paste was read', () => {
    const findings = [{ cause: 'upstream-timeout' as const, summary: 's' }];
    expect(classify(createInitialContext(), createMessage('long log', { findings, findingsTruncated: { chars: 20_000 } }))).toEqual([
      { type: 'input.findings', findings, serverLogs: true, urlFollows: false, truncated: { chars: 20_000 }, cause: 'upstream-timeout' },
    ]);
  });

  it('sends Windows Update to its own path even with a URL', () => {
    expect(
      classify(ctx, createMessage('0x80244021 on other.example', { variant: 'windows-update', url: 'https://other.example/' })),
    ).toEqual([{ type: 'input.variant', variant: 'windows-update' }]);
  });
});

describe('step selection', () => {
  it("suggests another browser than the person's own", () => {
    expect(suggestBrowser('edge', 'windows')).toBe('firefox');
    expect(suggestBrowser('firefox', 'windows')).toBe('edge');
    expect(suggestBrowser(undefined, undefined)).toBe('firefox');
  });

  it('starts with the first step and skips what evidence rules out', () => {
    const base = createInitialContext();
    expect(nextUserStep(base)).toBe('reload');
    const tried = { ...base, os: 'ios' as const, stepsTried: [{ step: 'reload', answer: 'no' as const }] };
    expect(nextUserStep(tried)).toBe('restartBrowser');
  });
});

describe('public probe status', () => {
  /** What a conversation shows of a probe: the verdict, advice and producer of its public view. */
  const publicProbeStatus = (probe: ProbeResult) => {
    const { verdict, advice, producer } = publicView(probe);
    return { verdict, advice, producer };
  };

  it('shows a blocked target exactly like a refused connection', () => {
    const blocked = fakeProbeResult({
      verdict: 'blocked',
      advice: 'troubleshoot',
      httpStatus: undefined,
      evidence: [{ kind: 'refused', reason: 'address' }],
    });
    const refused = fakeProbeResult({
      verdict: 'down',
      advice: 'contact_site',
      httpStatus: undefined,
      evidence: [{ kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'ECONNREFUSED' }],
    });
    expect(publicProbeStatus(blocked)).toEqual(publicProbeStatus(refused));
    expect(publicProbeStatus(fakeCloudflareDown())).toEqual({ verdict: 'down', advice: 'wait', producer: 'cloudflare' });
  });
});
