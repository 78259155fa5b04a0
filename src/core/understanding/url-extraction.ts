/**
 * The site a message names: an http(s) URL, Slack's `<https://x.com|x.com>`, or a bare host such as
 * "shop.example.co.uk/cart", "localhost:8080", "bücher.de" or "例え.jp". Returns a WHATWG-normalised
 * absolute URL (https:// added when no scheme was typed). Whether the probe may fetch it is the probe's
 * decision, so localhost and IP literals are kept here.
 *
 * A bare host must end in a public suffix the Public Suffix List knows (`tldts`: ".co.uk", ".com.br",
 * ".рф", ".herokuapp.com"), or in a name reserved for private and test networks (".local", ".internal",
 * ".test"), and not in a file extension ("error.log", "index.php", "nginx.conf"). A URL typed with its
 * scheme is always taken.
 */
import { isIP } from 'node:net';
import { parse as parseDomain } from 'tldts';

const CJK_RANGES = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\u30FC';
const CJK_CHAR = `[${CJK_RANGES}]`;
/** A letter or digit of a script that separates words with spaces. */
const WORD_CHAR = `(?:(?!${CJK_CHAR})[\\p{L}\\p{N}\\p{M}])`;
/** A host label is all in a spaced script or all in Japanese, so "example.comが" ends at "com". */
const LABEL = `(?:(?:${WORD_CHAR}|-)+|(?:${CJK_CHAR}|[0-9-])+)`;
/**
 * The first label of a bare host. A Japanese label may not start inside a run of Japanese text (that run is
 * tried from its own start), so a long run costs one pass, not one per character.
 */
const FIRST_LABEL = `(?:(?:${WORD_CHAR}|-)+|(?<!${CJK_CHAR})(?:${CJK_CHAR}|[0-9-])+)`;
const HOST_TAIL = `(?::\\d{1,5})?(?:[/?#][^\\s<>"'\`|${CJK_RANGES}、。「」『』【】]*)?`;

/** A bare host (or IP literal or localhost) with optional port and path. */
export const BARE_HOST = new RegExp(
  `(?<!${WORD_CHAR})(?<![@.:/\\\\_=#-])` +
    `((?:${FIRST_LABEL}\\.)(?:${LABEL}\\.)*${LABEL}|localhost|\\[[0-9a-fA-F:.]+\\])(?!${WORD_CHAR}|-)${HOST_TAIL}`,
  'giu',
);
/** An explicit http(s) URL; stops at spaces, quotes, brackets and Japanese punctuation. */
const EXPLICIT_URL = /\bhttps?:\/\/[^\s<>"'`|、。「」『』【】]+/giu;
/** A dot between two characters, "localhost" or an IPv6 bracket: the least a host needs. */
const MAY_HOLD_HOST = /[^.\s]\.[^.\s]|localhost|\[/iu;
/** Slack's link markup: `<https://x.com|x.com>` or `<https://x.com>` (Slack escapes "<" inside, so a link ends before one). */
const SLACK_LINK = /<(https?:\/\/[^\s|<>]+)(?:\|[^<>]*)?>/giu;
/** One Japanese character, for cutting a URL where Japanese prose starts. */
export const CJK_CHAR_PATTERN = new RegExp(CJK_CHAR, 'u');

const TRAILING_PUNCTUATION: ReadonlySet<string> = new Set(Array.from('.,;:!?\'"»›…)]}>*_~'));

/**
 * Last labels that are file extensions far more often than sites, even where a real TLD of the same
 * name exists (.zip, .mov, .sh, .py, .md, .rs).
 */
const FILE_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'log logs php php5 phtml conf cfg config ini inc txt text json jsonl js mjs cjs ts tsx jsx css scss sass less ' +
    'html htm xhtml xml yml yaml toml env lock sock socket pid tmp temp bak old orig swp csv tsv sql db sqlite ' +
    'exe dll msi bat cmd ps1 psm1 sh bash zsh py pyc rb pl6 go mod sum java class jar war ear kt c h cc cpp hpp ' +
    'cs csproj sln vb vbproj fs rs md markdown rst asp aspx ashx asmx axd jsp cgi fcgi wsgi vue svelte map ' +
    'woff woff2 ttf otf eot png jpg jpeg gif svg webp ico bmp tif tiff pdf doc docx xls xlsx ppt pptx odt ' +
    'zip gz tgz tar bz2 xz rar 7z mov mp3 mp4 wav avi mkv webm dmp err out crt pem key csr cer der pfx p12 ' +
    'service timer target htaccess htpasswd vhost d so dylib o a wasm dat bin iso img vmdk deb rpm apk ipa dmg pkg'
  ).split(' '),
);

/**
 * Names reserved for private and test networks (RFC 2606, 6761, 6762, 8375 and common practice): no public
 * suffix, but a person running an intranet site types them bare.
 */
const PRIVATE_ENDINGS: ReadonlySet<string> = new Set([
  'local',
  'localdomain',
  'internal',
  'lan',
  'corp',
  'home',
  'intranet',
  'test',
  'example',
]);

/** Names that look like hosts but are products people mention ("ASP.NET Core Module"). */
const NOT_HOSTS: ReadonlySet<string> = new Set(['asp.net', 'ado.net', 'vb.net']);

/** Where a URL was found, so the first one in the message wins. */
interface Candidate {
  index: number;
  url: string;
}

/**
 * Any URL with a scheme, for blanking out (extraction itself only takes http and https). The scheme starts
 * where a run of scheme characters starts, so "a+a+a+..." is read once, not once per letter.
 */
const ANY_SCHEME_URL = /\b(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`|、。「」『』【】]*/giu;
/**
 * Host- or file-like words ("my-site.com/help", "error.log"): their parts are not the person's words. A match
 * starts where the word starts (a later start in the same word would give the same answer, one pass later).
 */
export const HOST_LIKE = new RegExp(
  `(?<!${WORD_CHAR}|[-_])(?:${WORD_CHAR}|[-_])+(?:\\.(?:${WORD_CHAR}|[-_])+)+(?::\\d+)?(?:[/?#][^\\s${CJK_RANGES}]*)?`,
  'gu',
);

/** What stands in for a URL or host name in the text intents are read from: tables write it `<url>`. */
export const URL_PLACEHOLDER = ' <url> ';

/**
 * The text with URLs, host names and file names replaced by `<url>`, so "https://my-site.com/help" is not
 * read as "my site" (an administrator) or "help", while "I run <url>" still can be.
 */
export function withoutUrls(text: string): string {
  if (!text.includes('.') && !text.includes('://')) return text;
  return text.replace(ANY_SCHEME_URL, URL_PLACEHOLDER).replace(HOST_LIKE, URL_PLACEHOLDER);
}

/** Which URLs a line may give: all, only ones typed with http(s)://, or none. */
export type LineTrust = 'all' | 'explicit' | 'none';

/** The first site named in `text`, lines taken with the trust `trustOf` gives them. */
export function extractUrl(text: string, trustOf: (line: string) => LineTrust = () => 'all'): string | undefined {
  for (const line of text.split('\n')) {
    const trust = trustOf(line);
    if (trust === 'none') continue;
    const found = firstUrlInLine(line, trust === 'all');
    if (found !== undefined) return found;
  }
  return undefined;
}

function firstUrlInLine(line: string, bareHosts: boolean): string | undefined {
  const candidates: Candidate[] = [];
  if (line.includes('://')) {
    for (const match of line.matchAll(SLACK_LINK)) {
      const url = match[1] === undefined ? undefined : explicitUrl(match[1]);
      if (url !== undefined) candidates.push({ index: match.index, url });
    }
    for (const match of line.matchAll(EXPLICIT_URL)) {
      const url = explicitUrl(match[0]);
      if (url !== undefined) candidates.push({ index: match.index, url });
    }
  }
  if (bareHosts) {
    // The host pattern is costly per position, so it only runs on the words that could hold a host.
    for (const word of line.matchAll(/\S+/gu)) {
      if (!MAY_HOLD_HOST.test(word[0])) continue;
      for (const match of word[0].matchAll(BARE_HOST)) {
        const after = word[0].charAt(match.index + match[0].length);
        const url = after === '@' ? undefined : bareUrl(match[0], match[1] ?? '');
        if (url !== undefined) candidates.push({ index: word.index + match.index, url });
      }
    }
  }
  candidates.sort((a, b) => a.index - b.index);
  return candidates[0]?.url;
}

/** An explicit URL, trailing punctuation and glued-on Japanese text removed. */
function explicitUrl(raw: string): string | undefined {
  const schemeEnd = raw.indexOf('//') + 2;
  const authorityEnd = raw.slice(schemeEnd).search(/[/?#]/u);
  const authority = authorityEnd < 0 ? raw.slice(schemeEnd) : raw.slice(schemeEnd, schemeEnd + authorityEnd);
  const rest = authorityEnd < 0 ? '' : raw.slice(schemeEnd + authorityEnd);
  // "https://example.jp/のページ": the path stops where Japanese prose starts.
  const path = rest.split(CJK_CHAR_PATTERN)[0] ?? '';
  return toUrl(trimTrailing(raw.slice(0, schemeEnd) + trimHostTail(authority) + path));
}

/** "例え.jpのサイト" -> "例え.jp": a host ends where its last label stops being a TLD. */
function trimHostTail(authority: string): string {
  const match = /^(.*\.)([a-z]{2,63}|xn--[a-z0-9-]+)([^a-z0-9.:\]-].*)$/iu.exec(authority);
  if (match && CJK_CHAR_PATTERN.test(match[3] ?? '')) return `${match[1]}${match[2]}`;
  return authority;
}

function bareUrl(raw: string, host: string): string | undefined {
  if (!acceptableBareHost(host)) return undefined;
  return toUrl(`https://${trimTrailing(raw)}`);
}

/** Whether a host typed without a scheme is really a host and not a file name, version or word.word. */
export function acceptableBareHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost') return true;
  if (lower.startsWith('[')) return isIP(lower.slice(1, -1)) === 6;
  if (/^[\d.]+$/u.test(lower)) return isIP(lower) === 4;
  if (NOT_HOSTS.has(lower)) return false;
  const labels = lower.split('.');
  const tld = labels[labels.length - 1] ?? '';
  if (labels.some((label) => label === '' || label.startsWith('-') || label.endsWith('-'))) return false;
  if (FILE_EXTENSIONS.has(tld)) return false;
  if (PRIVATE_ENDINGS.has(tld) || (tld === 'arpa' && lower.endsWith('.home.arpa'))) return true;
  const parsed = parseDomain(lower, { allowPrivateDomains: true });
  // A known suffix and a name registered under it ("co.uk" alone is not a site).
  return (parsed.isIcann === true || parsed.isPrivate === true) && parsed.domainWithoutSuffix !== null && parsed.domainWithoutSuffix !== '';
}

/** Drops punctuation that ends the sentence, not the URL; a ")" stays when the URL opened one ("Foo_(bar)"). */
function trimTrailing(raw: string): string {
  let url = raw;
  while (url.length > 0) {
    const last = url.charAt(url.length - 1);
    if (!TRAILING_PUNCTUATION.has(last)) return url;
    if (last === ')' && count(url, '(') >= count(url, ')')) return url;
    url = url.slice(0, -1);
  }
  return url;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function toUrl(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}
