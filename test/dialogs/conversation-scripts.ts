/**
 * Conversations that between them reach every state that waits for the person, for the tests that check
 * something at each of those states (rehydration, the choices each state offers).
 */
import type { SupportEvent } from '../../dialogs/types';
import {
  createIntent,
  createMessage,
  fakeCloudflareDown,
  fakeDnsReport,
  fakeProbeResult,
  type ConversationOptions,
  type FakeDns,
  type FakeProbe,
} from './create-conversation';

export interface Script {
  name: string;
  probes: FakeProbe[];
  dns?: FakeDns[];
  /** What the outer edge does with hand-offs and watches (default: both accepted). */
  edge?: Pick<ConversationOptions, 'handoff' | 'watch'>;
  /** `[event, settle]`: events sent while a probe hangs are not awaited. */
  events: Array<SupportEvent | [SupportEvent, false]>;
}

const url = 'https://shop.example/';
const steps = Array.from({ length: 12 }, () => createIntent('no'));

export const SCRIPTS: Script[] = [
  {
    name: 'an incident declared on a site the probe sees up: wait, watch',
    probes: [
      {
        ...fakeProbeResult({ advice: 'wait' }),
        incident: { id: 'i-1', title: 'Checkout paused', message: 'Payments are down', maintenance: false },
      } as FakeProbe,
    ],
    events: [createMessage('shop.example', { url }), createIntent('help'), createIntent('watch'), createIntent('stop')],
  },
  {
    name: 'visitor walks every step, watches, stops and comes back',
    probes: [fakeProbeResult()],
    events: [
      { type: 'conversation.start' },
      createMessage('shop.example', { url, browser: 'chrome', os: 'windows' }),
      ...steps,
      createIntent('watch'),
      createIntent('stop'),
      createMessage('hello again', { url }),
    ],
  },
  {
    name: 'down for everyone, then a person, then a restart',
    probes: [fakeCloudflareDown()],
    events: [
      createMessage('shop.example', { url }),
      createIntent('help'),
      createIntent('recheck'),
      createIntent('human'),
      createIntent('restart'),
    ],
  },
  {
    name: 'unreachable, steps anyway, fixed',
    probes: [fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'address' }] })],
    events: [createMessage('intranet', { url }), createIntent('yes'), createIntent('yes'), createIntent('thanks')],
  },
  {
    name: 'windows update',
    probes: [fakeProbeResult()],
    events: [createMessage('0x80244021', { variant: 'windows-update' }), createIntent('no'), createIntent('yes')],
  },
  {
    name: 'gateway timeout',
    probes: [fakeProbeResult()],
    events: [createMessage('502.1', { variant: 'iis-502.1', url }), createIntent('human')],
  },
  {
    name: 'no URL yet',
    probes: [fakeProbeResult()],
    events: [createMessage('my site is broken'), createMessage('what?'), createMessage('shop.example', { url })],
  },
  {
    name: 'probe still running at the end of the turn',
    probes: ['hang', fakeProbeResult()],
    events: [[createMessage('shop.example', { url }), false], { type: 'turn.timeout' }, createIntent('recheck')],
  },
  {
    name: 'probe failed',
    probes: [{ fail: 'boom' }, fakeCloudflareDown()],
    events: [createMessage('shop.example', { url }), createIntent('recheck')],
  },
  {
    name: 'administrator checklist',
    probes: [fakeCloudflareDown()],
    dns: [fakeDnsReport()],
    events: [
      createMessage('I run shop.example', { url, intents: ['admin'] }),
      createIntent('no'),
      createIntent('no'),
      createIntent('no'),
      createMessage('log', { findings: [{ cause: 'upstream-timeout', summary: 'timed out' }] }),
      createIntent('no'),
      createIntent('skip'),
      createIntent('no'),
      createIntent('no'),
      createIntent('restart'),
    ],
  },
  {
    name: 'administrator when the probe fails or hangs',
    probes: [{ fail: 'boom' }, 'hang', fakeCloudflareDown()],
    events: [
      createMessage('I run shop.example', { url, intents: ['admin'] }),
      [createIntent('recheck'), false],
      { type: 'turn.timeout' },
      createIntent('no'),
    ],
  },
  {
    name: 'down for everyone, watched until it is back, pressing an old card meanwhile',
    probes: [fakeCloudflareDown(), fakeProbeResult()],
    events: [
      createMessage('shop.example', { url }),
      createIntent('watch'),
      createMessage('yes', { intents: ['yes'], pressedIn: 'user.step.reload' }),
      createIntent('recheck'),
    ],
  },
  {
    name: 'no help desk and no watch: what exists instead',
    probes: [fakeCloudflareDown()],
    edge: { handoff: 'unavailable', watch: 'failed' },
    events: [
      createMessage('shop.example', { url }),
      createIntent('human'),
      createIntent('watch'),
      createMessage('what now?'),
      createIntent('help'),
      createIntent('restart'),
    ],
  },
  {
    name: "the probe's own limits",
    probes: [fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'rate-limited' }] })],
    events: [createMessage('shop.example', { url }), createMessage('hm'), createIntent('restart')],
  },
];
