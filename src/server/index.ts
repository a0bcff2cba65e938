/** The decision service: an OPA-compatible HTTP API in front of the policy snapshot and the decision ledger. */
export { startServer, loadCheckpointSigner, checkpointPublicKey, type ServeOptions, type RunningServer } from './server.js';
export { createApp } from './app.js';
export { HttpError, toHttpError } from './errors.js';
export type { ServerState } from './state.js';
