import { describe, expect, it } from 'vitest';
import { html, isSafeHtml, isSafeUrl } from './html.js';

describe('html`` (issue 16 item 5)', () => {
  it('escapes every interpolated string, number and nested array', () => {
    const name = `"><script>alert('x')</script>`;
    expect(html`<p title="${name}">${name}</p>`.html).toBe(
      '<p title="&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;">&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;</p>',
    );
    expect(html`${['<a>', html`<b>`]}`.html).toBe('&#60;a&#62;<b>');
  });

  it('a look-alike { html } object is not trusted: it is escaped as text', () => {
    const forged = { html: '<script>alert(1)</script>' };
    expect(isSafeHtml(forged)).toBe(false);
    expect(html`${forged}`.html).not.toContain('<script>');
  });

  it('an unsafe URL in href/src/action becomes about:invalid', () => {
    expect(html`<a href="${'javascript:alert(1)'}">x</a>`.html).toBe(
      '<a href="about:invalid">x</a>',
    );
    expect(html`<img src="${' JAVASCRIPT:alert(1)'}">`.html).toBe('<img src="about:invalid">');
    expect(html`<form action="${'data:text/html,x'}">`.html).toBe('<form action="about:invalid">');
    expect(html`<a href="${'https://example.com/?a=1&b=2'}">`.html).toBe(
      '<a href="https://example.com/?a=1&#38;b=2">',
    );
    expect(html`<a href="${'/authorize/login'}">`.html).toBe('<a href="/authorize/login">');
    expect(isSafeUrl('//evil.test/x')).toBe(false);
    expect(isSafeUrl('/\\evil.test/x')).toBe(false);
    expect(isSafeUrl('java\tscript:alert(1)')).toBe(false);
    expect(isSafeUrl('\u0001javascript:alert(1)')).toBe(false);
    expect(isSafeUrl('jav\nascript:alert(1)')).toBe(false);
    expect(isSafeUrl('help.html')).toBe(true);
    expect(isSafeUrl('grants?done=1')).toBe(true);
    expect(html`<a href="${'java\tscript:alert(1)'}">`.html).toBe('<a href="about:invalid">');
    expect(isSafeUrl('data:image/png;base64,AAAA')).toBe(true);
    expect(isSafeUrl('data:image/svg+xml;base64,AAAA')).toBe(false);
  });

  it('a text value inside <script> or <style> content is refused; attributes of those tags are fine', () => {
    expect(
      () => html`<script nonce="n">const a = "${'\\'}"; const b = "${';alert(1)//'}";</script>`,
    ).toThrow(TypeError);
    expect(() => html`<STYLE>body{color:${'red}body{display:none'}}</STYLE>`).toThrow(TypeError);
    expect(() => html`<script>${['x']}</script>`).toThrow(TypeError);
    expect(html`<styled-box>${'ok'}</styled-box><scripts>${'ok'}</scripts>`.html).toBe(
      '<styled-box>ok</styled-box><scripts>ok</scripts>',
    );
    expect(html`<script nonce="${'abc'}"></script><p>${'<b>'}</p>`.html).toBe(
      '<script nonce="abc"></script><p>&#60;b&#62;</p>',
    );
    expect(html`<style nonce="${'n'}">${html`p{}`}</style>`.html).toBe(
      '<style nonce="n">p{}</style>',
    );
  });

  it('an unquoted attribute value is refused (a space would start a new attribute)', () => {
    expect(() => html`<input value=${'x onfocus=alert(1)'}>`).toThrow(TypeError);
  });
});
