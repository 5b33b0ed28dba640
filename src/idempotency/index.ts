/** Idempotency-Key handling: header parsing, request fingerprints, records in the state store. */
export { parseIdempotencyKey, IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key';
export { requestFingerprint, canonicalJson } from './fingerprint';
export {
  IdempotencyRecords,
  type IdempotencyBegin,
  type IdempotencyClaim,
  type IdempotencyOptions,
  type StoredResponse,
} from './idempotency-records';
export { storedSuccess, storedFailure } from './stored-outcome';
