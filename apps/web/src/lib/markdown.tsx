/**
 * Message text as a safe Markdown subset, rendered to React elements (never to an HTML string):
 * bold, italic, strike, inline code, code blocks, quotes, lists and links. markdown-it parses
 * with raw HTML off, and only the token types below become elements; anything else (headings,
 * tables, images) is not enabled in the parser, so it stays text. Links are http(s) or mailto
 * only, open in a new tab without an opener or referrer; bare URLs become links too.
 */
import MarkdownIt, { type Token } from 'markdown-it'
import { Fragment, type ReactNode } from 'react'

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, typographer: false }).enable([
  'emphasis',
  'strikethrough',
  'backticks',
  'fence',
  'code',
  'blockquote',
  'list',
  'link',
  'linkify',
  'newline',
  'escape',
  'entity',
  'autolink',
])
md.validateLink = (url) => safeHref(url) !== null
// "www.example.com" without a scheme is not turned into a link (it would be relative to us).
md.linkify.set({ fuzzyLink: false, fuzzyEmail: true })

/** The href to use for a link, or null when it must stay text (javascript:, data:, relative…). */
export function safeHref(raw: string): string | null {
  const url = raw.trim()
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.protocol === 'mailto:')
    return parsed.href
  return null
}

interface Node {
  token: Token
  children: Node[]
}

/** Token stream (flat, with *_open/_close pairs) → tree. */
function tree(tokens: Token[]): Node[] {
  const root: Node[] = []
  const stack: Node[][] = [root]
  for (const token of tokens) {
    const level = stack[stack.length - 1]
    if (token.nesting === 1) {
      const node: Node = { token, children: [] }
      level.push(node)
      stack.push(node.children)
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop()
    } else {
      const node: Node = { token, children: token.children ? tree(token.children) : [] }
      level.push(node)
    }
  }
  return root
}

const BLOCK_TAG: Record<string, 'p' | 'blockquote' | 'ul' | 'ol' | 'li' | 'strong' | 'em' | 's'> = {
  paragraph_open: 'p',
  blockquote_open: 'blockquote',
  bullet_list_open: 'ul',
  ordered_list_open: 'ol',
  list_item_open: 'li',
  strong_open: 'strong',
  em_open: 'em',
  s_open: 's',
}

/**
 * The members a message mentions, to highlight their `@name` in its text: lower-case usernames,
 * and which of them is the reader (`@here` / `@channel` count as the reader when listed).
 */
export interface MentionNames {
  names: ReadonlySet<string>
  mine: ReadonlySet<string>
}

/** `@name` not continuing a word, as the server reads it (chat.mentions_of). */
const MENTION = /(^|[^\p{L}\p{N}_.+@-])@([\p{L}\p{N}_.+@-]+)/gu

/** A text run with its mentions of `m` wrapped in highlighted spans. */
export function highlightMentions(text: string, m: MentionNames | undefined, key: string): ReactNode {
  if (!m || m.names.size === 0 || !text.includes('@')) return text
  const out: ReactNode[] = []
  let last = 0
  for (const match of text.matchAll(MENTION)) {
    const raw = match[2]
    const name = [raw, raw.replace(/[.+\-@]+$/, '')].find((n) => m.names.has(n.toLowerCase()))
    if (!name) continue
    const at = match.index + match[1].length
    out.push(text.slice(last, at))
    const mine = m.mine.has(name.toLowerCase())
    out.push(
      <span key={`${key}@${at}`} className={`mention ${mine ? 'mention--me' : ''}`}>
        @{name}
      </span>,
    )
    last = at + 1 + name.length
  }
  if (last === 0) return text
  out.push(text.slice(last))
  return <Fragment key={key}>{out}</Fragment>
}

function render(nodes: Node[], keyPrefix: string, mentions?: MentionNames): ReactNode[] {
  return nodes.map((n, i) => {
    const key = `${keyPrefix}${i}`
    const t = n.token
    switch (t.type) {
      case 'inline':
        return <Fragment key={key}>{render(n.children, `${key}.`, mentions)}</Fragment>
      case 'text':
        return highlightMentions(t.content, mentions, key)
      case 'softbreak':
      case 'hardbreak':
        return <br key={key} />
      case 'code_inline':
        return <code key={key}>{t.content}</code>
      case 'code_block':
      case 'fence':
        return (
          <pre key={key}>
            <code>{t.content.replace(/\n$/, '')}</code>
          </pre>
        )
      case 'link_open': {
        const href = safeHref(String(t.attrGet('href') ?? ''))
        const inner = render(n.children, `${key}.`, mentions)
        if (!href) return <Fragment key={key}>{inner}</Fragment>
        return (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer">
            {inner}
          </a>
        )
      }
      case 'ordered_list_open': {
        const start = Number(t.attrGet('start') ?? 1)
        return (
          <ol key={key} start={start !== 1 ? start : undefined}>
            {render(n.children, `${key}.`, mentions)}
          </ol>
        )
      }
      case 'paragraph_open':
        // Tight list items hide their paragraphs: keep the text without a block around it.
        if (t.hidden) return <Fragment key={key}>{render(n.children, `${key}.`, mentions)}</Fragment>
        return <p key={key}>{render(n.children, `${key}.`, mentions)}</p>
      default: {
        const Tag = BLOCK_TAG[t.type]
        if (Tag) return <Tag key={key}>{render(n.children, `${key}.`, mentions)}</Tag>
        // Anything unexpected is shown as its text, never as markup.
        return t.content ? (
          <Fragment key={key}>{t.content}</Fragment>
        ) : (
          <Fragment key={key}>{render(n.children, `${key}.`, mentions)}</Fragment>
        )
      }
    }
  })
}

/** The React elements for one message's text, its mentions highlighted. */
export function renderMarkdown(text: string, mentions?: MentionNames): ReactNode[] {
  return render(tree(md.parse(text, {})), 'm', mentions)
}

export function Markdown({
  text,
  className,
  mentions,
}: {
  text: string
  className?: string
  mentions?: MentionNames
}) {
  return <div className={className}>{renderMarkdown(text, mentions)}</div>
}
