/** The unread total in the tab: a "(3) Parley" title and a favicon with a count on it. */

export const BASE_TITLE = 'Parley'

export function unreadTitle(total: number, base = BASE_TITLE): string {
  return total > 0 ? `(${total > 99 ? '99+' : total}) ${base}` : base
}

/** An SVG favicon (the brand dot) with a red count badge when `total` > 0, as a data URL. */
export function faviconHref(total: number): string {
  const label = total > 99 ? '99+' : String(total)
  const badge =
    total > 0
      ? `<circle cx='22' cy='10' r='10' fill='#d9363e'/><text x='22' y='14.5' font-family='Arial,sans-serif' font-size='${label.length > 2 ? 9 : 13}' font-weight='700' text-anchor='middle' fill='#fff'>${label}</text>`
      : ''
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><circle cx='16' cy='16' r='14' fill='#2563eb'/>${badge}</svg>`
  return `data:image/svg+xml,${encodeURIComponent(svg)}`
}

/** Puts the count on the document; idempotent, so it can run on every change of the list. */
export function showUnread(total: number, doc: Document = document): void {
  doc.title = unreadTitle(total)
  let link = doc.querySelector<HTMLLinkElement>('link[rel="icon"]')
  if (!link) {
    link = doc.createElement('link')
    link.rel = 'icon'
    doc.head.appendChild(link)
  }
  const href = faviconHref(total)
  if (link.getAttribute('href') !== href) link.setAttribute('href', href)
  link.dataset.unread = String(total)
}
