import { jsonForScript, parseHtmlTemplate } from '../../../src/channels/status/html-template';
import { escapeHtml } from '../../../src/text/html';

describe('HTML templates with marked placeholders', () => {
  const slots = { title: 'text', body: 'markup' } as const;

  it('escapes text placeholders and inserts markup ones as they are', () => {
    const page = parseHtmlTemplate('<title>{{title}}</title>\n<main>{{{body}}}</main>\n', slots, 'page.html');
    expect(page.render({ title: '<b>"A" & \'B\'</b>', body: '<p>ok</p>' })).toBe(
      '<title>&#60;b&#62;&#34;A&#34; &#38; &#39;B&#39;&#60;/b&#62;</title>\n<main><p>ok</p></main>\n',
    );
  });

  it('fills a placeholder used twice, and drops comment lines', () => {
    const source = '{{! the reader’s note, with {{title}} in it }}\n<h1>{{title}}</h1><p>{{title}}</p>{{{body}}}';
    const page = parseHtmlTemplate(source, slots, 'page.html');
    expect(page.render({ title: 'T', body: '' })).toBe('<h1>T</h1><p>T</p>');
  });

  it.each([
    ['an undeclared placeholder', '{{title}}{{{body}}}{{other}}', /\{\{other\}\} is used as text but declared as nothing/],
    ['text used as markup', '{{{title}}}{{{body}}}', /\{\{title\}\} is used as markup but declared as text/],
    ['markup used as text', '{{title}}{{body}}', /\{\{body\}\} is used as text but declared as markup/],
    ['a declared placeholder never used', '{{title}}', /declared but never used: body/],
    ['a "{{" that is no placeholder', '{{title}}{{{body}}}{{ title }}', /a "\{\{" that is no placeholder/],
  ])('refuses %s when loaded', (_name, source, message) => {
    expect(() => parseHtmlTemplate(source, slots, 'page.html')).toThrow(message);
  });

  it('escapes every character that could end an attribute or start markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });

  it('writes JSON that cannot close its script element and reads back the same', () => {
    const value = { text: '</script><!-- & \u2028' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
