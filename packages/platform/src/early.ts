// What `parley start` needs before the rest of the platform loads: the configuration, and PGlite
// started early so that its second of start-up overlaps loading the services' modules. Only
// zod and Node built-ins behind it; everything else comes from the package's main entry.
export { ConfigError, loadConfig, redactCredentials, type Config } from './config'
export { DataDirLockedError, EmbeddedDatabaseError, startEmbedded, type EmbeddedStart } from './db/embedded-start'
