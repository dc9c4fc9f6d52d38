// ifrlab: the public API, the engine (ifrlab/engine) and the lab (ifrlab/lab) in
// one namespace. Platform-independent: file-system helpers load node:fs lazily,
// on first use, so a browser bundle never runs them. Reference: docs/api.md.
export * from './engine/index.ts';
export * from './lab/index.ts';
