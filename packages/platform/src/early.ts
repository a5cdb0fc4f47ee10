// What `parley start` needs before the rest of the platform loads: the configuration, and PGlite
// started early so that its second of start-up overlaps loading the services' modules. Only
// zod and Node built-ins behind it; everything else comes from the package's main entry.
export { type Config, ConfigError, loadConfig, redactCredentials } from './config'
export {
  DataDirLockedError,
  EmbeddedDatabaseError,
  type EmbeddedStart,
  startEmbedded,
} from './db/embedded-start'
