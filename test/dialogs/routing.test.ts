/**
 * The precedence table of dialogs/routing.ts, fed by the real understanding: which of several signals in
 * one reply the conversation acts on, in the state it is typed in.
 */
import { createInitialContext, type SupportContext } from '../../dialogs/context';
import { classify, PRECEDENCE, REQUESTS, YES_MEANS } from '../../dialogs/routing';
import type { StatePath } from '../../dialogs/states';
import type { LocaleId } from '../../src/contracts';
import { understand } from '../../src/core/understanding';
import { contextFor, shortNames } from '../helpers/understanding-corpus';

const NGINX_LINE =
  '2024/05/01 12:00:01 [error] 1234#1234: *5678 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "shop.example.com"';

/** What the routing raises for `text` typed in `state` of a conversation held in `locale`. */
function route(state: StatePath, text: string, locale: LocaleId = 'en', ctx: SupportContext = contextFor(state, locale)): string[] {
  const isIn = (path: StatePath): boolean => state === path || state.startsWith(`${path}.`);
  return shortNames(classify(ctx, understand(text, { locale }), isIn));
}

describe('routing precedence', () => {
  it.each([
    ['en', 'yes please, tell me when shop.example.com is back'],
    ['es', 'sí porfa, avísame cuando shop.example.com vuelva a funcionar'],
    ['fr', 'oui merci, prévenez-moi quand shop.example.com sera de retour'],
    ['de', 'ja bitte, sag mir bescheid wenn shop.example.com wieder da ist'],
    ['pt-BR', 'sim, por favor, me avisa quando shop.example.com voltar'],
    ['ja', 'はい、shop.example.comが復旧したら教えてください'],
  ] as Array<[LocaleId, string]>)('an explicit request beats the yes beside it (%s)', (locale, text) => {
    expect(understand(text, { locale }).intents).toEqual(expect.arrayContaining(['yes', 'watch']));
    expect(route('user.down', text, locale)).toEqual(['watch']);
  });

  it('lets a yes answer the question on screen when nothing more specific was said', () => {
    expect(route('user.step.reload', 'yes that worked')).toEqual(['yes']);
    expect(route('user.step.reload', 'no, still broken, can you check again?')).toEqual(['recheck']);
    // At an offer, a bare yes accepts what is offered.
    expect(route('user.down', 'yes please')).toEqual(['watch']);
    expect(YES_MEANS.map((row) => row.state)).toContain('user.down');
  });

  it.each([
    ['fr', "c'est mon site"],
    ['de', 'die Seite gehört mir'],
    ['de', 'ich betreibe die Seite'],
    ['en', "it's my site"],
    ['en', "I'm the developer"],
    ['en', 'we host it'],
    ['es', 'es mi web'],
    ['pt-BR', 'o site é meu'],
    ['ja', '自分のサイトです'],
  ] as Array<[LocaleId, string]>)('a role statement switches to the administrator flow from any state (%s %j)', (locale, text) => {
    for (const state of ['user.down', 'user.step.clearCache', 'user.waiting', 'user.later', 'handoff'] as const) {
      expect(route(state, text, locale)).toEqual(['admin']);
    }
  });

  it('carries the role of a first message that names the site', () => {
    expect(route('greeting', 'I run https://shop.example.com and nginx is returning 502 to our customers')).toEqual(['url:admin']);
    expect(route('greeting', 'je gère https://shop.example.com et nginx renvoie des 502 à nos clients', 'fr')).toEqual(['url:admin']);
  });

  it('treats the role the conversation already has as no news', () => {
    expect(route('admin.overview', "it's my site, check it again please")).toEqual(['recheck']);
    expect(route('admin.overview', "I'm the admin")).toEqual(['admin']);
  });

  it('ends on polite endings and re-checks on a question asking to', () => {
    expect(route('user.down', "nein danke, das war's", 'de')).toEqual(['stop']);
    expect(route('user.down', "no thanks, that's it")).toEqual(['stop']);
    expect(route('user.down', '¿puedes comprobarlo otra vez?', 'es')).toEqual(['recheck']);
    expect(route('user.waiting', 'ya volvió?', 'es')).toEqual(['recheck']);
  });

  it('explains a paste before any command, and a paste without a site does not also ask about its variant', () => {
    expect(route('user.down', `can I talk to a person? here is the log:\n${NGINX_LINE}`)).toEqual(['findings', 'human']);
    expect(route('greeting', `here is our error log:\n${NGINX_LINE}`)).toEqual(['findings']);
  });

  it('gives the paste its main cause, and hands it to the site named with it', () => {
    const events = classify(createInitialContext(), understand(`https://shop.example.com is down:\n${NGINX_LINE}`, { locale: 'en' }));
    expect(events).toEqual([
      expect.objectContaining({ type: 'input.findings', cause: 'upstream-refused', urlFollows: true }),
      expect.objectContaining({ type: 'input.url', url: 'https://shop.example.com/', cause: 'upstream-refused' }),
    ]);
  });

  it('switches to the language a person plainly types in, and still answers what they said', () => {
    expect(route('user.step.reload', 'nein, geht immer noch nicht', 'en')).toEqual(['language:de', 'no']);
    expect(route('user.step.reload', 'no, still not working', 'de')).toEqual(['language:en', 'no']);
    expect(route('greeting', 'die Seite zeigt seit heute morgen einen Fehler', 'en')).toEqual(['language:de', 'unknown']);
    // Short or shared words decide nothing.
    expect(route('user.step.reload', 'no', 'de')).toEqual(['no']);
    expect(route('user.step.reload', 'ok', 'ja')).toEqual(['yes']);
  });

  it('keeps the table honest: every row says why, requests come before answers', () => {
    for (const rule of PRECEDENCE) expect(rule.why.length).toBeGreaterThan(10);
    const order = PRECEDENCE.map((rule) => rule.signal);
    for (const request of REQUESTS) expect(order.indexOf(request)).toBeLessThan(order.indexOf('yes'));
    expect(order.indexOf('findings')).toBeLessThan(order.indexOf('restart'));
    expect(order.indexOf('stop')).toBeLessThan(order.indexOf('url'));
  });
});
