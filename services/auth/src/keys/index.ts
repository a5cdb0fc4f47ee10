// The signing keys' public surface for the `parley keys` commands and the deploy validator: light
// (jose and kysely only), so that `parley keys generate` does not load the whole auth service.
export { generateKeyText, KeyFormatError, type KeyJwk, parseKeys } from './key-formats'
export {
  DatabaseKeySource,
  FileKeySource,
  KEY_RELOAD_MS,
  KeyRing,
  type KeySource,
  keySourceFor,
  retiresAt,
  rotateSigningKey,
} from './signing-keys'
