/** The web chat channel: a self-hosted Direct Line 3.0 endpoint, its WebSocket stream, and the pages. */
export * from './conversation-store';
export * from './directline-adapter';
export * from './directline-routes';
export * from './directline-stream';
export * from './page-routes';
export * from './tokens';
export * from './create-conversation-store';
export * from './redis-conversation-store';
export * from './sqlite-conversation-store';
