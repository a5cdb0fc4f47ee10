import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'

import type { S3Config } from './config'
import type { FileStorage } from './storage'

/** Same key rule as local disk, so a key that works in one mode works in the other. */
function checkKey(key: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(key) || key.includes('..') || key.startsWith('/'))
    throw new Error(`bad storage key ${key}`)
  return key
}

/**
 * Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), shared by every node; local
 * disk is not. A PUT is atomic on S3, so a reader never sees half a file here either.
 */
export class S3Storage implements FileStorage {
  private readonly client: S3Client
  private readonly bucket: string

  constructor(config: S3Config) {
    this.bucket = config.bucket
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // @NOTE Fail over to a 503 quickly rather than hold the request while the store is away.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000 },
    })
  }

  /** Creates the bucket when it does not exist (development and tests; production provisions it). */
  async ensureBucket() {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }))
    }
  }

  /** Readiness: the bucket answers. */
  async ping() {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))
  }

  async put(key: string, data: Buffer) {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Body: data }))
  }

  async get(key: string) {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }))
      if (!out.Body) return null
      return Buffer.from(await out.Body.transformToByteArray())
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null
      throw err
    }
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }))
  }

  close() {
    this.client.destroy()
  }
}
