export { openBucket, ensureBuckets, listKeys, type BucketSettings } from './buckets';
export {
  KvMirror,
  mirrorStuck,
  type KvMirrorOptions,
  type MirrorChange,
  type MirroredEntry,
  type MirrorPosition,
} from './kv-mirror';
export { onReconnect } from './reconnect';
export {
  SHARED_FINGERPRINTS_BUCKET,
  deleteSharedFingerprintsBucket,
  ensureFingerprintsBucket,
  openFingerprintsBucket,
} from './fingerprints';
export {
  ARTIFACTS_TTL_MS,
  CorruptObjectError,
  artifactRef,
  ensureArtifactsBucket,
  parseArtifactRef,
  readObject,
  type ArtifactsBucketOptions,
} from './artifacts';
