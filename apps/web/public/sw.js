/* Parley's service worker: shows Web Push notifications (issue 18) and opens the conversation
 * on click. The server pushes only to users with no live socket, honouring mute and
 * do-not-disturb; the payload names the sender and the conversation, never the message text. */

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = {}
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Parley'
  const body = typeof data.body === 'string' ? data.body : 'New message'
  const url = typeof data.url === 'string' && data.url.startsWith('/') ? data.url : '/chats'
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      tag: data.conversation_id ? `parley-${data.conversation_id}` : 'parley',
      renotify: true,
      data: { url },
    }),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = (event.notification.data && event.notification.data.url) || '/chats'
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      for (const client of windows) {
        if (new URL(client.url).origin !== self.location.origin) continue
        await client.focus()
        if ('navigate' in client) await client.navigate(url)
        return
      }
      await self.clients.openWindow(url)
    })(),
  )
})
