export { openBucket, ensureBuckets, type BucketSettings } from './buckets';
export { KvMirror, type KvMirrorOptions, type MirrorChange, type MirroredEntry } from './kv-mirror';
export { onReconnect } from './reconnect';
