// @vitest-environment jsdom
import { render } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { Markdown, safeHref } from './markdown'

const html = (text: string) => render(<Markdown text={text} />).container.innerHTML

describe('Markdown subset', () => {
  it('renders bold, italic, strike, code, code blocks, quotes and lists', () => {
    const out = html(
      '**bold** *it* ~~gone~~ `x < y`\n\n```\nconst a = 1\n```\n\n> quoted\n\n- one\n- two\n\n1. first\n2. second',
    )
    expect(out).toContain('<strong>bold</strong>')
    expect(out).toContain('<em>it</em>')
    expect(out).toContain('<s>gone</s>')
    expect(out).toContain('<code>x &lt; y</code>')
    expect(out).toContain('<pre><code>const a = 1</code></pre>')
    expect(out).toContain('<blockquote><p>quoted</p></blockquote>')
    expect(out).toContain('<ul><li>one</li><li>two</li></ul>')
    expect(out).toContain('<ol><li>first</li><li>second</li></ol>')
  })

  it('never turns raw HTML into elements', () => {
    const { container } = render(
      <Markdown text={'<img src=x onerror="alert(1)"> <script>alert(2)</script> <b>b</b>'} />,
    )
    expect(container.querySelector('img, script, b')).toBeNull()
    expect(container.textContent).toContain('<img src=x onerror="alert(1)">')
  })

  it('links only http(s) and mailto, in a new tab without opener or referrer', () => {
    const { container } = render(
      <Markdown
        text={
          'see https://example.com/a?b=1 and [mail](mailto:a@b.c) but [x](javascript:alert(1)) and [d](data:text/html,hi) and ![i](https://e.com/i.png)'
        }
      />,
    )
    const links = [...container.querySelectorAll('a')]
    // The image syntax is off: it becomes a plain link to the picture, never an <img>.
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com/a?b=1',
      'mailto:a@b.c',
      'https://e.com/i.png',
    ])
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer')
      expect(a.getAttribute('target')).toBe('_blank')
    }
    expect(container.querySelector('img')).toBeNull()
    expect(container.textContent).toContain('javascript:alert(1)')
  })

  it('keeps headings and line breaks as plain text', () => {
    const { container } = render(<Markdown text={'# not a heading\nsecond line'} />)
    expect(container.querySelector('h1')).toBeNull()
    expect(container.querySelector('br')).not.toBeNull()
    expect(container.textContent).toContain('# not a heading')
  })

  it('accepts only absolute http(s)/mailto hrefs', () => {
    expect(safeHref('https://x.org')).toBe('https://x.org/')
    expect(safeHref(' JavaScript:alert(1)')).toBeNull()
    expect(safeHref('/relative')).toBeNull()
    expect(safeHref('vbscript:x')).toBeNull()
  })
})

describe('mention highlighting', () => {
  const mentions = { names: new Set(['bob_1', 'ann', 'here']), mine: new Set(['ann', 'here']) }
  const spans = (text: string) =>
    [...render(<Markdown text={text} mentions={mentions} />).container.querySelectorAll('span.mention')].map(
      (s) => [s.textContent, s.classList.contains('mention--me')],
    )

  it('wraps the mentioned members and marks the reader, in and around Markdown', () => {
    expect(spans('hi @Bob_1, and **@ann**.')).toEqual([
      ['@Bob_1', false],
      ['@ann', true],
    ])
    expect(spans('@here standup')).toEqual([['@here', true]])
  })

  it('leaves e-mail addresses, code and names not mentioned as text', () => {
    expect(spans('mail ann@example.com or `@ann` or @carol')).toEqual([])
  })
})
