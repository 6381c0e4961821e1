import { describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonForScript } from './html.js';

describe('html templates', () => {
  it('escapes interpolated text but not nested templates', () => {
    const name = '<script>alert("x")</script>&\'';
    const inner = html`<b>${name}</b>`;
    expect(html`<p title="${name}">${inner}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</b></p>',
    );
  });

  it('joins arrays and prints nothing for null, undefined and false', () => {
    expect(html`${[1, html`<i>2</i>`, '<3']}|${null}${undefined}${false}|${0}`.value).toBe(
      '1<i>2</i>&lt;3||0',
    );
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });

  it('embeds JSON in a script block without a way to close it', () => {
    const embedded = jsonForScript({ text: '</script><script>alert(1)</script>\u2028' }).value;
    expect(embedded).not.toContain('</script>');
    expect(JSON.parse(embedded)).toEqual({ text: '</script><script>alert(1)</script>\u2028' });
  });
});
