import type { AddressInfo } from 'node:net'

import { api, eventually, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from './index'

interface Received {
  from: string
  to: string[]
  data: string
}

describe('auth reset mail over SMTP (SMTP_URL)', () => {
  let t: TestServer
  let smtp: SMTPServer
  const received: Received[] = []

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          })
          callback()
        })
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const { port } = smtp.server.address() as AddressInfo
    t = await startTestServer([authService], { SMTP_URL: `smtp://127.0.0.1:${port}` })
  })
  afterAll(async () => {
    await t?.close()
    await new Promise<void>((resolve) => smtp?.close(() => resolve()))
  })

  it('delivers the reset link to the SMTP server, and the link resets the password', async () => {
    const user = await signUp(t.url)
    expect((await api(t.url).post('/api/auth/forgot-password/', { email: user.email })).status).toBe(202)
    const mail = await eventually(() => received.find((m) => m.to.includes(user.email)))
    expect(mail.data).toMatch(/Subject: Reset your Parley password/)
    // quoted-printable may fold long lines: undo soft breaks before reading the link
    const body = mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
    const token = body.match(/reset-password\?token=([A-Za-z0-9_-]{43})/)?.[1]
    expect(token).toBeDefined()
    const reset = await api(t.url).post('/api/auth/reset-password/', {
      token,
      new_password: 'mailed new password',
    })
    expect(reset.status).toBe(200)
    expect(
      (await api(t.url).post('/api/auth/login/', { email: user.email, password: 'mailed new password' }))
        .status,
    ).toBe(200)
  })
})
