export { type ClientOptions, FramewrightClient } from './client.ts';
export { type FieldError, FramewrightApiError, FramewrightError, FramewrightRequestError } from './errors.ts';
export * from './types.ts';
export { type WatchOptions, webSocketUrl } from './watch.ts';
