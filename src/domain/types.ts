// The shared vocabulary of every layer: which platform, who wrote a message, how it felt, where a conversation
// stands. Pure: this module imports nothing of the project.

export const PLATFORMS = ['slack', 'discord'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Who wrote a message: a customer, an agent of the support team, or a bot (neither). */
export const ROLES = ['customer', 'agent', 'bot'] as const;
export type Role = (typeof ROLES)[number];

export const SENTIMENT_LABELS = ['positive', 'neutral', 'negative'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

export const CONVERSATION_STATUSES = ['open', 'answered', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
