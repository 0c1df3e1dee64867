// The shared test harness: real sshd, temp dirs, hostile trees, configs, the CLI, borg and databases.
export * from './borg.js';
export * from './cleanup.js';
export * from './cli.js';
export * from './config.js';
export * from './db.js';
export * from './ssh-client.js';
export * from './ssh-keys.js';
export * from './sshd.js';
export * from './tmp.js';
export * from './tree.js';
export * from './metadata-tree.js';
export * from './lock.js';
export * from './notify.js';
export * from './tmpfs.js';
export * from './processes.js';
export * from './hostile.js';
export * from './catalog-query.js';
