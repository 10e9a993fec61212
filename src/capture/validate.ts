// Pure validation of a CapturedMessage: every problem is reported at once, nothing is fixed silently.
import { PLATFORMS, ROLES } from '../domain/types.js';
import { CaptureValidationError } from '../errors.js';
import type { CapturedMessage } from './types.js';

export interface ValidationLimits {
  maxMessageChars: number;
  /** The clock, passed in so validation is a pure function. */
  now: Date;
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_ATTACHMENTS = 100;
const MAX_NAME = 512;
/** Discord's epoch (2015) is later, Slack's earlier; anything before 2000 or far ahead is a broken clock. */
const EARLIEST = Date.UTC(2000, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600 * 1000;

function isValidDate(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

function checkDate(problems: string[], name: string, d: unknown, now: Date, optional: boolean): void {
  if (d === undefined || d === null) {
    if (!optional) problems.push(`${name} is required`);
    return;
  }
  if (!isValidDate(d)) {
    problems.push(`${name} must be a valid date`);
    return;
  }
  const t = d.getTime();
  if (t < EARLIEST || t > now.getTime() + FUTURE_SLACK_MS) problems.push(`${name} ${d.toISOString()} is out of range`);
}

function checkId(problems: string[], name: string, v: unknown, optional = false): void {
  if (v === undefined || v === null) {
    if (!optional) problems.push(`${name} is required`);
    return;
  }
  if (typeof v !== 'string' || !ID.test(v)) problems.push(`${name} must be 1-64 characters of letters, digits, . _ : -`);
}

function checkString(problems: string[], name: string, v: unknown, max: number): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') problems.push(`${name} must be a string`);
  else if (v.length > max) problems.push(`${name} is ${v.length} characters, over the limit of ${max}`);
}

/** Throws CaptureValidationError listing every problem; returns the message unchanged when valid. */
export function validateCapturedMessage(input: unknown, limits: ValidationLimits): CapturedMessage {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CaptureValidationError(['message must be an object']);
  }
  const m = input as Record<string, unknown>;
  if (!['new', 'edit', 'delete'].includes(m.kind as string)) problems.push('kind must be new, edit or delete');
  if (!PLATFORMS.includes(m.platform as never)) problems.push(`platform must be one of ${PLATFORMS.join(', ')}`);
  checkId(problems, 'workspaceId', m.workspaceId);
  checkId(problems, 'channelId', m.channelId);
  checkId(problems, 'messageId', m.messageId);
  checkId(problems, 'threadId', m.threadId, true);
  checkString(problems, 'channelName', m.channelName, MAX_NAME);
  checkString(problems, 'permalink', m.permalink, 2048);
  checkString(problems, 'text', m.text, limits.maxMessageChars);
  checkDate(problems, 'ts', m.ts, limits.now, false);
  checkDate(problems, 'editedAt', m.editedAt, limits.now, m.kind !== 'edit');
  checkDate(problems, 'deletedAt', m.deletedAt, limits.now, true);
  if (m.source !== undefined && !['live', 'backfill', 'import'].includes(m.source as string)) {
    problems.push('source must be live, backfill or import');
  }

  const author = m.author;
  if (author === undefined || author === null) {
    if (m.kind === 'new') problems.push('author is required for a new message');
  } else if (typeof author !== 'object') {
    problems.push('author must be an object');
  } else {
    const a = author as Record<string, unknown>;
    checkId(problems, 'author.userId', a.userId);
    if (!ROLES.includes(a.role as never)) problems.push(`author.role must be one of ${ROLES.join(', ')}`);
    checkString(problems, 'author.name', a.name, MAX_NAME);
    checkString(problems, 'author.email', a.email, 320);
    checkString(problems, 'author.company', a.company, MAX_NAME);
  }

  if (m.attachments !== undefined) {
    if (!Array.isArray(m.attachments)) problems.push('attachments must be an array');
    else if (m.attachments.length > MAX_ATTACHMENTS) problems.push(`attachments has ${m.attachments.length} items, over ${MAX_ATTACHMENTS}`);
    else {
      m.attachments.forEach((att: unknown, i: number) => {
        if (typeof att !== 'object' || att === null) {
          problems.push(`attachments[${i}] must be an object`);
          return;
        }
        const a = att as Record<string, unknown>;
        checkString(problems, `attachments[${i}].name`, a.name, MAX_NAME);
        checkString(problems, `attachments[${i}].type`, a.type, MAX_NAME);
        if (a.size !== null && a.size !== undefined && (typeof a.size !== 'number' || !Number.isFinite(a.size) || a.size < 0)) {
          problems.push(`attachments[${i}].size must be a non-negative number`);
        }
      });
    }
  }
  if (m.kind === 'new' && (m.text === undefined || m.text === null) && !(Array.isArray(m.attachments) && m.attachments.length > 0)) {
    problems.push('a new message needs text or attachments');
  }
  if (problems.length > 0) throw new CaptureValidationError(problems);
  return input as CapturedMessage;
}
