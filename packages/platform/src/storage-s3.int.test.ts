import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadConfig, parseS3Url } from './config'
import { createPlatform } from './platform'
import { S3Storage } from './storage-s3'
import { createTestDatabase, freePort, LogCapture } from './testing'

describe(S3Storage.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'))
  let server: S3rver
  let url: string

  beforeAll(async () => {
    const port = await freePort()
    server = new S3rver({ address: '127.0.0.1', port, silent: true, directory: join(dir, 's3') })
    await server.run()
    url = `s3://S3RVER:S3RVER@127.0.0.1:${port}/parley-files?region=us-east-1&path_style=true&tls=false`
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads the S3_URL into endpoint, bucket, region and credentials', () => {
    expect(parseS3Url('s3://AK:s%2Fcret@minio:9000/files?region=eu-west-1&tls=false')).toEqual({
      endpoint: 'http://minio:9000',
      bucket: 'files',
      region: 'eu-west-1',
      accessKeyId: 'AK',
      secretAccessKey: 's/cret',
      forcePathStyle: true,
    })
    expect(() => loadConfig({ S3_URL: 'http://minio/files' })).toThrow(/S3_URL/)
  })

  it('is the platform storage when S3_URL is set, and stores, reads and deletes files', async () => {
    const testDb = await createTestDatabase()
    const platform = await createPlatform(
      loadConfig({ NODE_ENV: 'test', DATA_DIR: join(dir, 'data'), S3_URL: url }),
      {
        database: testDb.database,
        logDestination: new LogCapture(),
      },
    )
    try {
      expect(platform.storage).toBeInstanceOf(S3Storage)
      const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13])
      await platform.storage.put('avatars/u1/large.webp', bytes)
      expect(await platform.storage.get('avatars/u1/large.webp')).toEqual(bytes)
      await platform.storage.put('avatars/u1/large.webp', Buffer.from('v2'))
      expect((await platform.storage.get('avatars/u1/large.webp'))?.toString()).toBe('v2')
      expect(await platform.storage.get('avatars/nobody.webp')).toBeNull()
      await platform.storage.delete('avatars/u1/large.webp')
      expect(await platform.storage.get('avatars/u1/large.webp')).toBeNull()
      await expect(platform.storage.put('../escape', bytes)).rejects.toThrow(/bad storage key/)
      for (const check of platform.readinessChecks) await check()
    } finally {
      await platform.close()
      await testDb.drop()
    }
  })

  it('shares files between nodes', async () => {
    const one = new S3Storage(parseS3Url(url))
    const two = new S3Storage(parseS3Url(url))
    await one.ensureBucket()
    await one.put('attachments/a/b.bin', Buffer.from('shared'))
    expect((await two.get('attachments/a/b.bin'))?.toString()).toBe('shared')
    one.close()
    two.close()
  })
})
