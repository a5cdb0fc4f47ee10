// The signing keys' public surface for the `parley keys` commands and the deploy validator: light
// (jose and kysely only), so that `parley keys generate` does not load the whole auth service.
export { generateKeyText, KeyFormatError, parseKeys, type KeyJwk } from './key-formats'
export {
  DatabaseKeySource,
  FileKeySource,
  KEY_RELOAD_MS,
  KeyRing,
  keySourceFor,
  retiresAt,
  rotateSigningKey,
  type KeySource,
} from './signing-keys'
