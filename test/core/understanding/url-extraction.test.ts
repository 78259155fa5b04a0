import { extractUrl, understand } from '../../../src/core/understanding';

function urlOf(message: string): string | undefined {
  return understand(message, { locale: 'en' }).url;
}

describe('URL extraction', () => {
  it.each([
    ['https://example.com', 'https://example.com/'],
    ['getting a 502 on http://example.com/login?next=%2Fcart today', 'http://example.com/login?next=%2Fcart'],
    ['I see it on https://example.com/cart?x=1.', 'https://example.com/cart?x=1'],
    ['(see https://example.com/status)', 'https://example.com/status'],
    ['https://en.wikipedia.org/wiki/Foo_(bar), right?', 'https://en.wikipedia.org/wiki/Foo_(bar)'],
    ['"https://example.com/a";', 'https://example.com/a'],
    ['<https://example.com/page>', 'https://example.com/page'],
    ['example.com', 'https://example.com/'],
    ['EXAMPLE.COM is down!', 'https://example.com/'],
    ['shop.example.co.uk/cart', 'https://shop.example.co.uk/cart'],
    ['www.example.org/path?q=1&r=2, help', 'https://www.example.org/path?q=1&r=2'],
    ['my site is example.com.', 'https://example.com/'],
    ['is example.com:8443 down?', 'https://example.com:8443/'],
    ['localhost:8080', 'https://localhost:8080/'],
    ['127.0.0.1:3000/health', 'https://127.0.0.1:3000/health'],
    ['[::1]:8080', 'https://[::1]:8080/'],
    ['https://example.com/#section', 'https://example.com/'],
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'https://example.com/'],
    ['site.com:443/path, thanks', 'https://site.com/path'],
    // Public suffixes from the Public Suffix List (tldts), not a list of common endings.
    ['shop.example.co.uk is down', 'https://shop.example.co.uk/'],
    ['é loja.example.com.br', 'https://loja.example.com.br/'],
    ['mystore.online gives 502', 'https://mystore.online/'],
    ['shop-example.herokuapp.com is down', 'https://shop-example.herokuapp.com/'],
    ['intranet.corp is down', 'https://intranet.corp/'],
  ])('%j -> %s', (message, expected) => {
    expect(urlOf(message)).toBe(expected);
  });

  it.each([
    ['bücher.de', 'https://xn--bcher-kva.de/'],
    ['例え.jp が開けません', 'https://xn--r8jz45g.jp/'],
    ['пример.рф не работает', 'https://xn--e1afmkfd.xn--p1ai/'],
    ['https://例え.jp/のページ', 'https://xn--r8jz45g.jp/'],
    ['example.comが見れない', 'https://example.com/'],
    ['サイトhttps://example.jp/shopが502です', 'https://example.jp/shop'],
  ])('internationalised: %j -> %s', (message, expected) => {
    expect(urlOf(message)).toBe(expected);
  });

  it("reads Slack's link markup", () => {
    expect(urlOf('<https://example.com|example.com> is down')).toBe('https://example.com/');
    expect(urlOf('check <http://shop.example.net/cart|shop.example.net/cart> please')).toBe('http://shop.example.net/cart');
  });

  it('takes the first URL', () => {
    expect(urlOf('first.example.com then https://second.example.com')).toBe('https://first.example.com/');
    expect(urlOf('https://one.example then two.example.com')).toBe('https://one.example/');
  });

  it.each([
    'see error.log for details',
    'I edited index.php and nginx.conf',
    'running version 1.2.3',
    'Windows Update error 0x80244021',
    'HTTP Error 502.3',
    'mail me at jane.doe@example.com',
    'e.g. the login page',
    'ASP.NET Core Module',
    'node.js app behind nginx',
    // An ending the Public Suffix List does not know ("hello.world" would be a site: .world is a real one).
    'hello.wrld',
    'co.uk',
    'it did not work.still broken',
    'backup.tar.gz is old',
    'README.md says so',
    '',
  ])('finds no site in %j', (message) => {
    expect(urlOf(message)).toBeUndefined();
  });

  it('ignores schemes other than http and https', () => {
    expect(urlOf('ftp://files.example.com and javascript:alert(1)')).toBeUndefined();
    expect(extractUrl('file:///etc/passwd')).toBeUndefined();
  });
});

describe('URLs in pasted text', () => {
  const nginxLog = [
    '2024/05/01 12:00:00 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9000/", host: "shop.example.com"',
    '2024/05/01 12:00:03 [error] 1234#0: *7 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:9000/cart", host: "shop.example.com"',
  ].join('\n');

  it('never takes an upstream address from a log line', () => {
    expect(urlOf(nginxLog)).toBeUndefined();
  });

  it("takes the site from the person's own words above a paste", () => {
    expect(urlOf(`my site mysite.example.org is down, logs:\n${nginxLog}`)).toBe('https://mysite.example.org/');
  });

  it('takes an explicit URL from a pasted non-log line but not a bare host from a header', () => {
    const headers = ['$ curl -I https://www.example.com/', 'HTTP/2 502', 'server: cloudflare', 'cf-ray: 8a1b2c3d4e5f6a7b-FRA'].join('\n');
    expect(urlOf(headers)).toBe('https://www.example.com/');
    const hostOnly = ['HTTP/1.1 502 Bad Gateway', 'Server: nginx/1.24.0', 'Host: internal.example.com', 'Content-Type: text/html'].join(
      '\n',
    );
    expect(urlOf(hostOnly)).toBeUndefined();
  });

  it('ignores links inside a pasted error page', () => {
    const page = [
      '<html><head><title>502 Bad Gateway</title></head>',
      '<body><center><h1>502 Bad Gateway</h1></center>',
      '<a href="https://cdn.example.net/help">help</a>',
      '<hr><center>nginx</center></body></html>',
    ].join('\n');
    expect(urlOf(page)).toBeUndefined();
  });
});
