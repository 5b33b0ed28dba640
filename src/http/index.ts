/** The broker's HTTP interface: the Express app and the server that listens. */
export { createApp, type AppDeps } from './app';
export { startServer, type ServerOptions, type RunningServer } from './server';
export { parseBasicAuth, type BasicCredentials } from './middleware/basic-auth';
