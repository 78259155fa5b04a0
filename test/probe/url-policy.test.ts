import { checkTarget, spellsOutScheme } from '../../src/probe/url-policy';

function hrefOf(input: string): string {
  const result = checkTarget(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to pass, got ${result.reason}`);
  return result.url.href;
}

function reasonOf(input: string): string {
  const result = checkTarget(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${result.url.href}`);
  return result.reason;
}

describe('checkTarget', () => {
  describe('schemes', () => {
    it.each([
      ['example.com', 'https://example.com/'],
      ['  example.com/status  ', 'https://example.com/status'],
      ['http://example.com', 'http://example.com/'],
      ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
      ['HTTPS://EXAMPLE.COM/Path', 'https://example.com/Path'],
      ['//example.com/x', 'https://example.com/x'],
      ['example.com?q=1', 'https://example.com/?q=1'],
    ])('accepts %j as %s', (input, href) => {
      expect(hrefOf(input)).toBe(href);
    });

    it.each([
      ['ftp://example.com/file'],
      ['file:///etc/passwd'],
      ['gopher://example.com:70/_GET'],
      ['javascript:alert(1)'],
      ['data:text/html,<h1>hi</h1>'],
      ['mailto:help@example.com'],
      ['ws://example.com/socket'],
      ['about:blank'],
      ['dict://127.0.0.1:11211/stat'],
    ])('refuses %j for its scheme', (input) => {
      expect(reasonOf(input)).toBe('scheme');
    });
  });

  describe('whether the scheme was typed', () => {
    it.each([
      ['127.0.0.1:4302', false],
      ['shop.example/cart', false],
      ['//shop.example/', false],
      ['::1', false],
      ['localhost:8080/x', false],
      ['https://shop.example/', true],
      ['HTTP://shop.example:8080/', true],
    ])('%j: typed %s', (input, typed) => {
      const result = checkTarget(input);
      expect(result.ok && result.schemeTyped).toBe(typed);
    });

    it.each([
      ['127.0.0.1:4302 is down', false],
      ['shop.example shows 502', false],
      ['see https://shop.example', true],
      ['HTTP://Shop.Example', true],
      ['ｈｔｔｐｓ：／／shop.example', true],
      ['https:shop.example', false],
    ])('a message %j spells out a scheme: %s', (text, spelled) => {
      expect(spellsOutScheme(text)).toBe(spelled);
    });
  });

  describe('credentials', () => {
    it.each([['http://user:pass@example.com/'], ['https://user@example.com'], ['user@example.com'], ['https://:secret@example.com']])(
      'refuses %j',
      (input) => {
        expect(reasonOf(input)).toBe('credentials');
      },
    );

    it('refuses a bare user:pass@host too (it reads as a "user:" scheme)', () => {
      expect(checkTarget('user:pass@example.com').ok).toBe(false);
    });

    it('treats an empty user part as no credentials', () => {
      expect(hrefOf('https://@example.com/')).toBe('https://example.com/');
    });
  });

  describe('hosts and ports', () => {
    it.each([
      ['localhost', 'https://localhost/'],
      ['localhost:3000', 'https://localhost:3000/'],
      ['example.com:8443/health', 'https://example.com:8443/health'],
      ['http://example.com:80/', 'http://example.com/'],
      ['https://example.com:443/', 'https://example.com/'],
      ['https://example.com:8080', 'https://example.com:8080/'],
      ['intranet', 'https://intranet/'],
      ['example.com.', 'https://example.com./'],
    ])('accepts %j as %s', (input, href) => {
      expect(hrefOf(input)).toBe(href);
    });

    it.each([['http://example.com:25/'], ['example.com:22'], ['https://example.com:0/'], ['http://example.com:6667']])(
      'refuses %j for a port browsers block',
      (input) => {
        expect(reasonOf(input)).toBe('port');
      },
    );

    it('refuses a port out of range as malformed', () => {
      expect(reasonOf('https://example.com:65536/')).toBe('malformed');
    });
  });

  it('turns an IDN host into punycode', () => {
    expect(hrefOf('bücher.example')).toBe('https://xn--bcher-kva.example/');
    expect(hrefOf('https://BÜCHER.example/straße')).toBe('https://xn--bcher-kva.example/stra%C3%9Fe');
  });

  it('drops the fragment', () => {
    expect(hrefOf('https://example.com/page#section')).toBe('https://example.com/page');
  });

  describe('IPv4 literals come out as dotted decimal, so the address policy sees the real address', () => {
    it.each([
      ['127.0.0.1', 'https://127.0.0.1/'],
      ['2130706433', 'https://127.0.0.1/'],
      ['http://2130706433/', 'http://127.0.0.1/'],
      ['0x7f000001', 'https://127.0.0.1/'],
      ['http://0x7f.0x0.0x0.0x1/', 'http://127.0.0.1/'],
      ['0177.0.0.1', 'https://127.0.0.1/'],
      ['http://0177.0000.0000.0001/', 'http://127.0.0.1/'],
      ['127.1', 'https://127.0.0.1/'],
      ['http://127.0.1/', 'http://127.0.0.1/'],
      ['http://0x7f.1/', 'http://127.0.0.1/'],
      ['http://169.254.43518/', 'http://169.254.169.254/'],
      ['http://0xa9fea9fe/', 'http://169.254.169.254/'],
      ['http://012.0.0.1:8080/', 'http://10.0.0.1:8080/'],
      ['http://0/', 'http://0.0.0.0/'],
    ])('%j -> %s', (input, href) => {
      expect(hrefOf(input)).toBe(href);
    });

    it.each([['http://256.0.0.1/'], ['http://1.2.3.4.5/'], ['http://4294967296/'], ['http://0x100000000/']])(
      'refuses the out-of-range IPv4 %j as malformed',
      (input) => {
        expect(reasonOf(input)).toBe('malformed');
      },
    );
  });

  describe('IPv6 literals', () => {
    it.each([
      ['[::1]', 'https://[::1]/'],
      ['::1', 'https://[::1]/'],
      ['http://[::1]:8080/', 'http://[::1]:8080/'],
      ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/'],
      ['http://[0:0:0:0:0:ffff:7f00:1]/', 'http://[::ffff:7f00:1]/'],
      ['https://[2001:DB8::1]/', 'https://[2001:db8::1]/'],
      ['fe80::1', 'https://[fe80::1]/'],
    ])('%j -> %s', (input, href) => {
      expect(hrefOf(input)).toBe(href);
    });

    it('refuses a zone id, which URLs cannot carry', () => {
      expect(reasonOf('http://[fe80::1%25eth0]/')).toBe('malformed');
    });
  });

  describe('garbage', () => {
    it.each([
      [''],
      ['   '],
      ['http://'],
      ['https://'],
      ['http://exa mple.com/'],
      ['http://[::1/'],
      ['http://example.com:port/'],
      ['%00'],
      ['http://a<b>.com/'],
    ])('refuses %j as malformed', (input) => {
      expect(reasonOf(input)).toBe('malformed');
    });

    it('refuses input over 2048 characters', () => {
      expect(reasonOf(`https://example.com/${'a'.repeat(2030)}`)).toBe('malformed');
      expect(reasonOf('x'.repeat(100_000))).toBe('malformed');
    });

    it('accepts input right at the limit', () => {
      const input = `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`;
      expect(input).toHaveLength(2048);
      expect(hrefOf(input)).toBe(input);
    });

    it('refuses a URL that only grows past the limit once the host is punycoded', () => {
      const host = `${'ü'.repeat(60)}.example`;
      const input = `https://${host}/${'a'.repeat(2048 - 'https://'.length - host.length - 1)}`;
      expect(input.length).toBeLessThanOrEqual(2048);
      expect(reasonOf(input)).toBe('malformed');
    });
  });
});
