/**
 * File names as uploaded are untrusted text: any Unicode, quotes, CR/LF, path parts, bidi
 * overrides that make `‮gnp.exe` read as `exe.png`. These helpers turn one into what is stored
 * and into a `Content-Disposition` header that can never fail to send (issue 14 point 5).
 */

// C0/C1 controls, DEL, and the bidi/format characters that reorder or hide text (U+061C, U+200B–U+200F,
// U+202A–U+202E, U+2060–U+2069, U+FEFF).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g

/** The name to keep: the last path part, without control or bidi characters, at most 200 characters; null if nothing is left. */
export function cleanFilename(name: string | null | undefined): string | null {
  if (!name) return null
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(UNSAFE, '').trim()
  if (!cleaned || cleaned === '.' || cleaned === '..') return null
  return Array.from(cleaned).slice(0, 200).join('')
}

/** An ASCII stand-in for clients that ignore `filename*`: letters, digits, `._-` and spaces only. */
export function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._ -]+/g, '_')
    .replace(/^[._ ]+/, '')
    .slice(0, 100)
  return /[A-Za-z0-9]/.test(ascii) ? ascii : 'download'
}

/** RFC 8187 value-chars: everything else is percent-encoded as UTF-8. */
function encodeExtended(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * `inline` or `attachment` with an ASCII `filename` and the full name as RFC 6266 `filename*`,
 * always both (only ASCII ever reaches the header, so sending it cannot throw).
 *
 * @NOTE Not the `content-disposition` package (already in the tree through @fastify/static): it
 * leaves `filename*` out for ASCII names, and every download is to carry both.
 *
 * @example contentDisposition('attachment', '‮gnp.exe') // attachment; filename="gnp.exe"; filename*=UTF-8''gnp.exe
 */
export function contentDisposition(type: 'inline' | 'attachment', name: string | null, fallbackName: string) {
  const full = cleanFilename(name) ?? fallbackName
  return `${type}; filename="${asciiFallback(full)}"; filename*=UTF-8''${encodeExtended(full)}`
}
