// Entry point of the Slack adapter (see adapters/slack/README.md).
export { SlackAdapter, type SlackAdapterOptions } from './adapter.js';
