import { describe, expect, it } from 'vitest';
import { checkBranding, isCssColor } from './branding.js';

describe('branding: checked once, nothing unsafe reaches a page (issue 16 item 5)', () => {
  it('accepts CSS colours and refuses anything that could carry more than a colour', () => {
    for (const ok of [
      '#fff',
      '#2453d6',
      '#2453d6cc',
      'teal',
      'rgb(36 83 214)',
      'rgba(0,0,0,.5)',
      'hsl(220 70% 50% / 0.9)',
      'oklch(0.6 0.2 250)',
    ]) {
      expect(isCssColor(ok), ok).toBe(true);
    }
    for (const bad of [
      'red;}body{display:none',
      'red}',
      'url(https://evil.test/x)',
      'rgb(1,2,3);x:y',
      'var(--x)',
      'expression(alert(1))',
      '#12345',
      'red /* */',
      'inherit',
      '',
      'rgb(1,2,3)} body{',
      'x'.repeat(80),
    ]) {
      expect(isCssColor(bad), bad).toBe(false);
    }
    expect(() =>
      checkBranding({ colors: { accent: 'red;}body{background:url(//evil.test)' } }),
    ).toThrow(/consent.branding.colors.accent must be a CSS colour/);
    expect(() => checkBranding({ darkColors: { text: '</style><script>' } })).toThrow(TypeError);
    expect(() => checkBranding({ colors: { border: '#fff' } as never })).toThrow(
      /not a colour option/,
    );
  });

  it('logo: https or a base64 raster data URL; javascript:, SVG, http and others are refused', () => {
    expect(checkBranding({ logoUrl: 'https://cdn.example.com/logo.png' }).logoSource).toBe(
      'https://cdn.example.com',
    );
    expect(
      checkBranding({ logoUrl: 'data:image/png;base64,iVBORw0KGgo=' }).logoSource,
    ).toBeUndefined();
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:image/svg+xml;base64,PHN2Zz4=',
      'data:text/html;base64,PHNjcmlwdD4=',
      'http://cdn.example.com/logo.png',
      'https://user:pw@cdn.example.com/logo.png',
      'vbscript:x',
      '//cdn.example.com/logo.png',
    ]) {
      expect(() => checkBranding({ logoUrl: bad }), bad).toThrow(/consent.branding.logoUrl/);
    }
  });

  it('links are https (http only on loopback, for development)', () => {
    const links = checkBranding({
      links: { privacy: 'https://example.com/privacy', support: 'http://127.0.0.1:3000/help' },
    }).links;
    expect(links.map((l) => l.kind)).toEqual(['privacy', 'support']);
    expect(() => checkBranding({ links: { terms: 'javascript:alert(1)' } })).toThrow(/links.terms/);
    expect(() => checkBranding({ links: { terms: 'http://example.com/terms' } })).toThrow(
      /links.terms/,
    );
  });

  it('colours become CSS custom properties; dark ones sit in a prefers-color-scheme query', () => {
    const { css } = checkBranding({
      colors: { accent: '#0a7' },
      darkColors: { accent: 'rgb(0 200 150)' },
    });
    expect(css).toBe(
      ':root{--accent:#0a7;}@media (prefers-color-scheme:dark){:root{--accent:rgb(0 200 150);}}',
    );
    expect(checkBranding(undefined).css).toBe('');
  });

  it('the name is bounded', () => {
    expect(() => checkBranding({ name: 'x'.repeat(101) })).toThrow(/branding.name/);
  });
});
