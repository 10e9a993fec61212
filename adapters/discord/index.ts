// The Discord adapter's entry point (see README.md in this folder).
export { createDiscordAdapter, DiscordAdapter, type DiscordAdapterOptions, type DiscordAdapterEvents } from './adapter.js';
