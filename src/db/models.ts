// Mongoose models. Only operations that both FerretDB 1.24 and MongoDB 6/7 support are used on them:
// CRUD, upserts, $inc/$set/$setOnInsert/$min/$max/$push/$addToSet, unique and compound indexes.
import mongoose, { Schema, type InferSchemaType, type Model } from 'mongoose';

import { CONVERSATION_STATUSES, PLATFORMS, ROLES, SENTIMENT_LABELS } from '../domain/types.js';

/**
 * A safety cap on the operation ids a counter document holds. Every writer pulls its id again once the change
 * is recorded elsewhere (src/counters/tag-message.ts), so `ops` normally holds only changes in flight. The cap
 * works on MongoDB only: FerretDB 1.24 accepts `$slice` in `$push` and ignores it.
 */
export const OPS_MEMORY = 256;

const options = { versionKey: false, minimize: false } as const;

const workspaceSchema = new Schema(
  {
    _id: { type: String, required: true }, // platform:externalId
    platform: { type: String, enum: PLATFORMS, required: true },
    externalId: { type: String, required: true },
    name: { type: String, default: null },
    timeZone: { type: String, default: null },
    digestChannelId: { type: String, default: null },
    /** Survey setting overrides of this workspace (src/feedback/settings.ts); null = the SURVEY_* defaults. */
    survey: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, default: () => new Date() },
  },
  { ...options, collection: 'workspaces' },
);
workspaceSchema.index({ platform: 1, externalId: 1 }, { unique: true });

const identitySchema = new Schema(
  {
    key: { type: String, required: true }, // platform:workspaceId:userId
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    userId: { type: String, required: true },
    name: { type: String, default: null },
    email: { type: String, default: null },
  },
  { _id: false },
);

const sentimentCounters = {
  sum: { type: Number, default: 0 },
  count: { type: Number, default: 0 },
  positive: { type: Number, default: 0 },
  neutral: { type: Number, default: 0 },
  negative: { type: Number, default: 0 },
};

const customerSchema = new Schema(
  {
    _id: { type: String, required: true }, // the key of the identity it was first seen as
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    identities: { type: [identitySchema], default: [] },
    name: { type: String, default: null },
    nameKey: { type: String, default: null }, // lower case, accents stripped, for lookup
    email: { type: String, default: null },
    company: { type: String, default: null },
    external: { type: Boolean, default: false },
    firstContactAt: { type: Date, default: null },
    lastContactAt: { type: Date, default: null },
    counts: {
      conversations: { type: Number, default: 0 },
      messages: { type: Number, default: 0 },
    },
    needs: { type: Schema.Types.Mixed, default: () => ({}) },
    sentiment: sentimentCounters,
    ops: { type: [String], default: [] },
  },
  { ...options, collection: 'customers' },
);
customerSchema.index({ 'identities.key': 1 });
customerSchema.index({ workspaceId: 1, email: 1 });
customerSchema.index({ workspaceId: 1, nameKey: 1 });

const conversationSchema = new Schema(
  {
    _id: { type: String, required: true }, // message key of its first message (or thread root)
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    channelId: { type: String, required: true },
    channelName: { type: String, default: null },
    kind: { type: String, enum: ['thread', 'channel'], required: true },
    threadId: { type: String, default: null },
    customerId: { type: String, default: null },
    status: { type: String, enum: CONVERSATION_STATUSES, default: 'open' },
    startedAt: { type: Date, required: true },
    lastMessageAt: { type: Date, required: true },
    lastCustomerMessageAt: { type: Date, default: null },
    firstAgentReplyAt: { type: Date, default: null },
    firstResponseMs: { type: Number, default: null },
    resolvedAt: { type: Date, default: null },
    /** How many times it was resolved: each resolve (after a reopen) is a new survey round. */
    resolveRound: { type: Number, default: 0 },
    /** The latest round's survey answer (src/feedback): { surveyId, round, rating, ratedAt, comment, commentAt }. */
    feedback: { type: Schema.Types.Mixed, default: null },
    firstLine: { type: String, default: null },
    permalink: { type: String, default: null },
    counts: {
      messages: { type: Number, default: 0 },
      customerMessages: { type: Number, default: 0 },
      agentMessages: { type: Number, default: 0 },
    },
    needs: { type: Schema.Types.Mixed, default: () => ({}) },
    sentiment: sentimentCounters,
    ops: { type: [String], default: [] },
  },
  { ...options, collection: 'conversations' },
);
conversationSchema.index({ workspaceId: 1, channelId: 1, customerId: 1, lastMessageAt: -1 });
conversationSchema.index({ customerId: 1, lastMessageAt: -1 });
conversationSchema.index({ workspaceId: 1, status: 1, lastMessageAt: -1 });

const attachmentSchema = new Schema(
  { name: { type: String, default: null }, type: { type: String, default: null }, size: { type: Number, default: null } },
  { _id: false },
);

const messageSchema = new Schema(
  {
    _id: { type: String, required: true }, // platform:workspaceId:channelId:messageId
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    channelId: { type: String, required: true },
    messageId: { type: String, required: true },
    threadId: { type: String, default: null },
    conversationId: { type: String, default: null },
    customerId: { type: String, default: null },
    author: {
      userId: { type: String, default: null },
      name: { type: String, default: null },
      role: { type: String, enum: ROLES, default: null },
    },
    text: { type: String, default: null },
    attachments: { type: [attachmentSchema], default: [] },
    ts: { type: Date, required: true },
    editedAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    permalink: { type: String, default: null },
    source: { type: String, enum: ['live', 'backfill', 'import'], default: 'live' },
    capturedAt: { type: Date, default: () => new Date() },
    /** Content revision: 0 when first stored, +1 for each edit or delete that changed it. */
    rev: { type: Number, default: 0 },
    /** True until the worker has tagged the current revision and counted it. */
    needsTagging: { type: Boolean, default: true },
    tags: {
      type: new Schema(
        {
          needs: [{ _id: false, need: String, confidence: Number }],
          sentiment: { score: Number, label: { type: String, enum: SENTIMENT_LABELS } },
          language: String,
          untaggedReason: { type: String, default: null },
          model: String,
          rev: Number,
          taggedAt: Date,
        },
        { _id: false },
      ),
      default: null,
    },
    /** What this message currently adds to the counters, and of which revision. */
    counted: { type: Schema.Types.Mixed, default: null },
    /** A counter update being applied (kept until every target has it), so a retry reapplies the same one. */
    pending: { type: Schema.Types.Mixed, default: null },
    /**
     * Set by capture on a new message until the worker has placed it (its customer, conversation and
     * checkpoint; src/capture/place.ts): the author's profile, the channel name and the text's first line as
     * captured, which placement needs.
     */
    unplaced: { type: Schema.Types.Mixed, default: null },
    /** The channel's key (platform:workspace:channel) while the message waits for placement; unset after. */
    pend: { type: String },
  },
  { ...options, collection: 'messages' },
);
messageSchema.index({ platform: 1, workspaceId: 1, channelId: 1, messageId: 1 }, { unique: true });
messageSchema.index({ conversationId: 1, ts: 1 });
messageSchema.index({ customerId: 1, ts: -1 });
messageSchema.index({ workspaceId: 1, ts: -1 });
messageSchema.index({ needsTagging: 1 });
messageSchema.index({ pend: 1 }, { sparse: true });

const weeklyRollupSchema = new Schema(
  {
    _id: { type: String, required: true }, // platform:workspaceId:YYYY-Www
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    week: { type: String, required: true }, // ISO week in the workspace's time zone
    timeZone: { type: String, required: true },
    counts: {
      conversations: { type: Number, default: 0 },
      messages: { type: Number, default: 0 },
      customerMessages: { type: Number, default: 0 },
      agentMessages: { type: Number, default: 0 },
    },
    needs: { type: Schema.Types.Mixed, default: () => ({}) },
    sentiment: sentimentCounters,
    /** Messages per channel, keyed `c_<channelId>`. */
    channels: { type: Schema.Types.Mixed, default: () => ({}) },
    ops: { type: [String], default: [] },
  },
  { ...options, collection: 'weekly_rollups' },
);
weeklyRollupSchema.index({ platform: 1, workspaceId: 1, week: 1 }, { unique: true });

const checkpointSchema = new Schema(
  {
    _id: { type: String, required: true }, // platform:workspaceId:channelId
    platform: { type: String, enum: PLATFORMS, required: true },
    workspaceId: { type: String, required: true },
    channelId: { type: String, required: true },
    lastMessageId: { type: String, default: null },
    lastTs: { type: Date, default: null },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { ...options, collection: 'checkpoints' },
);
checkpointSchema.index({ platform: 1, workspaceId: 1 });

export type WorkspaceDoc = InferSchemaType<typeof workspaceSchema>;
export type CustomerDoc = InferSchemaType<typeof customerSchema>;
export type ConversationDoc = InferSchemaType<typeof conversationSchema>;
export type MessageDoc = InferSchemaType<typeof messageSchema>;
export type WeeklyRollupDoc = InferSchemaType<typeof weeklyRollupSchema>;
export type CheckpointDoc = InferSchemaType<typeof checkpointSchema>;

function model<T>(name: string, schema: Schema<T>): Model<T> {
  return (mongoose.models[name] as Model<T> | undefined) ?? mongoose.model<T>(name, schema);
}

export const Workspace = model('Workspace', workspaceSchema);
export const Customer = model('Customer', customerSchema);
export const Conversation = model('Conversation', conversationSchema);
export const Message = model('Message', messageSchema);
export const WeeklyRollup = model('WeeklyRollup', weeklyRollupSchema);
export const Checkpoint = model('Checkpoint', checkpointSchema);

export const ALL_MODELS = [Workspace, Customer, Conversation, Message, WeeklyRollup, Checkpoint] as const;
