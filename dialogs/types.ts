/**
 * The contract between message understanding (`src/core/`), the machines (`dialogs/`) and the channels.
 * Machines receive normalised events and emit neutral replies (i18n keys + variables); they never see
 * raw activities, never format text and never do I/O.
 */
import type { Advice, Finding, LocaleId, ProducerId, Truncation, Verdict } from '../src/contracts';

export const BROWSERS = ['chrome', 'edge', 'firefox', 'safari', 'opera', 'brave', 'samsung'] as const;
export type BrowserId = (typeof BROWSERS)[number];

export const OPERATING_SYSTEMS = ['windows', 'macos', 'linux', 'chromeos', 'android', 'ios'] as const;
export type OsId = (typeof OPERATING_SYSTEMS)[number];

/** The shapes a 502 takes on screen (seeds: variants) and its close neighbours. */
export const VARIANTS = [
  'bad-gateway', // "502 Bad Gateway", "HTTP Error 502", "HTTP 502", "Error 502"
  'temporary-error', // "Temporary Error (502)"
  'proxy-error', // "502 Proxy Error" (Apache mod_proxy)
  'overloaded', // "502 Service Temporarily Overloaded"
  'server-error', // "502 Server Error: The server encountered a temporary error..."
  'google', // "502. That's an error." / Google services' "Server Error"
  'iis-502.1', // CGI application timeout: treated like a 504
  'iis-502.2', // bad gateway: the CGI application returned an invalid header set
  'iis-502.3', // forwarder connection error (ARR), ASP.NET Core module
  'iis-502.4', // no server available in the ARR farm
  'windows-update', // 0x80244021 / WU_E_PT_HTTP_STATUS_BAD_GATEWAY
] as const;
export type VariantId = (typeof VARIANTS)[number];

/** What a message (typed words or a button) asks for. Buttons send exactly these ids. */
export const INTENTS = [
  'yes',
  'no',
  'skip',
  'restart',
  'help',
  'human',
  'stop',
  'admin', // "I run this site"
  'visitor', // "I'm just visiting it"
  'watch', // "tell me when it's back"
  'recheck', // "check again"
  'back', // go back one step
  'thanks',
  'greeting',
] as const;
export type Intent = (typeof INTENTS)[number];

/** Everything understanding extracted from one user message (typed or clicked). */
export interface UserMessageEvent {
  type: 'user.message';
  /** The raw text, trimmed and bounded in length; for transcripts only, machines do not parse it. */
  text: string;
  intents: Intent[];
  /** A normalised absolute http(s) URL when the message named a site (bare host names get https://). */
  url?: string;
  /** True when `url`'s https:// was added, not typed ("127.0.0.1:4302"): the probe may then fall back to http. */
  schemeGuessed?: boolean;
  variant?: VariantId;
  browser?: BrowserId;
  os?: OsId;
  /** The person asked to switch to this language. */
  language?: LocaleId;
  /** The language the message is plainly written in, when the words leave no doubt (not a request to switch). */
  writtenIn?: LocaleId;
  /** The person was sending a form, an order or a payment when the 502 appeared. */
  submitting?: boolean;
  /** Pasted error pages, header dumps or log lines, explained by the explain tables. */
  findings?: Finding[];
  /** The findings rest on only part of the paste: the caps that left the rest unread (src/text/limits.ts). */
  findingsTruncated?: Truncation;
  /**
   * A button press: the state path of the card the button was on (its action data says where it belongs).
   * A press on a card of an earlier state is answered with where the conversation is now, not taken as an
   * answer to the current question. Absent for typed text and for cards sent before buttons carried it.
   */
  pressedIn?: string;
}

/** A new conversation or a member joined (Teams install, web chat open). */
export interface ConversationStartEvent {
  type: 'conversation.start';
}

/** Facts the client knows without asking (web chat's user agent, Teams' locale). */
export interface ClientInfoEvent {
  type: 'client.info';
  browser?: BrowserId;
  os?: OsId;
  locale?: LocaleId;
}

/** The turn runner ran out of time while a probe was still in flight. */
export interface TurnTimeoutEvent {
  type: 'turn.timeout';
}

/**
 * What this deployment can do, sent by the bot at the start of every turn: with no help desk or no watch
 * service configured, the bot neither offers nor promises them. Absent means unknown (offered, then learnt
 * from the result events below).
 */
export interface CapabilitiesEvent {
  type: 'capabilities';
  /** At least one help desk target (webhook, Slack or Teams channel) is configured. */
  handoff: boolean;
  /** The watch service can store "tell me when it's back" requests. */
  watch: boolean;
  /** HANDOFF_CONTACT_URL: where to reach the help desk when no target takes cases (https or mailto). */
  contactUrl?: string;
}

/** Whether a help desk took the case the machine asked to hand off (sent by the bot after delivering it). */
export interface HandoffResultEvent {
  type: 'handoff.result';
  accepted: boolean;
  /** The case is stored and an agent can answer in this conversation (two-way hand-off). */
  live?: boolean;
}

/** The agent (or the inbox) ended a live hand-off: the person is back with the bot. */
export interface HandoffEndEvent {
  type: 'handoff.end';
}

/** Whether the watch service stored the watch the machine asked for (sent by the bot after subscribing). */
export interface WatchResultEvent {
  type: 'watch.result';
  url: string;
  accepted: boolean;
}

export type SupportEvent =
  | UserMessageEvent
  | ConversationStartEvent
  | ClientInfoEvent
  | TurnTimeoutEvent
  | CapabilitiesEvent
  | HandoffResultEvent
  | HandoffEndEvent
  | WatchResultEvent;

/**
 * Intents whose meaning depends on the question on screen ("yes, it works now" answers one step, "look
 * again" repeats one lookup). A press of one of these on an earlier card is not taken as an answer to the
 * current question; every other intent (start over, a person, that's all, help...) means the same anywhere.
 */
export const STATE_BOUND_INTENTS: readonly Intent[] = ['yes', 'no', 'skip', 'back', 'recheck'];

/** A button: its label is an i18n key; clicking it sends `intent` (or `url`) exactly as typing would. */
export interface Choice {
  intent: Intent;
  labelKey: string;
}

/** One labelled value in an evidence list (status, producer, request id, timing...). */
export interface Fact {
  labelKey: string;
  /** Already a display value (numbers, ids, times); not translated. */
  value: string;
}

/**
 * A channel-neutral reply. Channels render it: text via i18next with `vars`, `choices` as buttons or
 * numbered options, `facts` as a fact set, `draft` as a copyable block.
 */
export interface Reply {
  key: string;
  vars?: Record<string, string | number>;
  /**
   * Keyboard shortcuts: var name -> key ids in press order, e.g. `{ shortcut: ['ctrl', 'shift', 'R'] }`.
   * Channels render each id through the i18n key `key.<id>` when it exists (modifiers: German keyboards
   * say "Strg", not "Ctrl"), keep it literally otherwise (letters, F5), join with '+' and set `vars[name]`.
   */
  keys?: Record<string, string[]>;
  /**
   * Translated terms: var name -> i18n keys (`verdict.down`, `stepName.hardRefresh`...). Channels translate
   * each key, join them with ', ' and set `vars[name]`, so words inside a sentence follow the locale too.
   */
  terms?: Record<string, string[]>;
  choices?: Choice[];
  facts?: Fact[];
  /** A ready-to-send message (to the site, the ISP or the host), itself an i18n key + vars (+ terms). */
  draft?: Draft;
}

/** One line of a multi-line var in a draft: an i18n key with its own vars and terms. */
export interface DraftLine {
  key: string;
  vars?: Record<string, string | number>;
  terms?: Record<string, string[]>;
}

/** A copyable message the person can send on (rendered like a reply: key + vars + terms + lines). */
export interface Draft {
  key: string;
  vars?: Record<string, string | number>;
  terms?: Record<string, string[]>;
  /**
   * Var name -> lines, each translated with its own vars and joined with line breaks: the evidence a
   * draft quotes is one line per known fact, so an unknown field is left out rather than shown as "-".
   */
  lines?: Record<string, DraftLine[]>;
}

/** The emitted event a machine uses to hand a reply to the turn runner (XState `emit`). */
export interface ReplyEmitted {
  type: 'reply';
  reply: Reply;
}

/** A small, JSON-only digest of one probe, kept in the conversation and handed to a person. */
export interface ProbeSummary {
  checkedAt: string;
  verdict: Verdict;
  advice: Advice;
  httpStatus?: number;
  producer?: ProducerId;
  /** `name: value` pairs such as `cf-ray: 8a1b2c3d4e5f-AMS`. */
  requestIds: string[];
}

/** One troubleshooting step the person went through and what they answered. */
export interface StepRecord {
  /** A visitor step id (`hardRefresh`) or an administrator step id (`admin.dns`). */
  step: string;
  answer: 'yes' | 'no' | 'skip';
}

/** Everything a human agent needs to pick the conversation up without asking again. */
export interface HandoffSummary {
  url?: string;
  variant?: VariantId;
  role?: 'visitor' | 'admin';
  browser?: BrowserId;
  os?: OsId;
  locale: LocaleId;
  probes: ProbeSummary[];
  stepsTried: StepRecord[];
  /** Causes named by pasted logs or error pages, in the order they were explained. */
  causes: string[];
  /** The last few things the person typed (each bounded in length). */
  lastMessages: string[];
}

/** Emitted when the person asks for a human; the runner forwards it to the help desk. */
export interface HandoffEmitted {
  type: 'handoff';
  summary: HandoffSummary;
}

/** Emitted when the person asks to be told when the site is back; the runner subscribes them. */
export interface WatchEmitted {
  type: 'watch';
  url: string;
}

/** How a visitor's conversation ended, for analytics (recorded once per conversation). */
export const OUTCOMES = ['fixed', 'waited', 'handed_off', 'abandoned'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * A fact for the analytics counters, with nothing that names a person, a conversation or a site: a site was
 * checked (its verdict and producer), a conversation ended one way (and the step that fixed it), or the
 * person answered "did this help?".
 */
export type AnalyticsSignal =
  | { kind: 'checked'; verdict: Verdict; producer?: ProducerId }
  | { kind: 'outcome'; outcome: Outcome; step?: string }
  | { kind: 'feedback'; helpful: boolean; outcome?: Outcome; step?: string };

/** Emitted for the analytics counters; the runner hands signals to whoever counts them. */
export interface AnalyticsEmitted {
  type: 'analytics';
  signal: AnalyticsSignal;
}

/** Everything the support machine emits. */
export type SupportEmitted = ReplyEmitted | HandoffEmitted | WatchEmitted | AnalyticsEmitted;

/** Optional input when a conversation's actor is first created. */
export interface SupportInput {
  locale?: LocaleId;
  /** Stable id of the person (passed to the probe for per-user rate limits); never shown. */
  requester?: string;
}

/** Input of the `probeSite` actor (invoked by name, provided by the composition root). */
export interface ProbeInput {
  url: string;
  /** The https:// of `url` was not typed: the probe tries http when https gets no HTTP answer. */
  schemeGuessed?: boolean;
  /** Stable id of the person asking (for per-user rate limits); never shown. */
  requester?: string;
}

/** Input of the `lookupDns` actor used by the administrator flow. */
export interface DnsLookupInput {
  host: string;
}
