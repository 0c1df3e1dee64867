// The configuration layer: where the file is, loading it, its schema and its typed form.
export { resolveConfigPath, DEFAULT_CONFIG_PATH } from './resolve-path.js';
export { loadConfig } from './load.js';
export { configSchema, globalSchema, hostSchema, type SchemaNode } from './schema.js';
export { parseDuration, parseSize } from './units.js';
export * from './types.js';
