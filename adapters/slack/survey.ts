// The satisfaction survey on Slack: a message in the conversation's thread with five rating buttons and an
// "Add a comment" button that opens a modal. Interactivity arrives at POST /slack/events, verified by Bolt's
// signature check (HTTP mode) or over the Socket Mode connection; the clicker is the payload's `user.id`
// and the survey is found by its stored id (the button value), never by anything naming a customer.
import type { App, RespondFn } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import type { TagEnqueuer } from '../../src/capture/capture.js';
import { checkAnswerer, commentSurvey, MAX_COMMENT_CHARS, rateSurvey, type SurveyRequest } from '../../src/feedback/index.js';
import type { Logger } from '../../src/logger.js';
import { mrkdwnText, plainText, type Block } from './blockkit.js';

export const RATE_ACTION = /^survey_rate_[1-5]$/;
export const COMMENT_ACTION = 'survey_comment';
export const COMMENT_VIEW = 'survey_comment';

const LABELS = ['1 · Poor', '2', '3', '4', '5 · Great'];

export const NOT_YOURS = 'Thanks for the click! This survey is for the customer of this conversation, so only their answer counts.';
const GONE = 'This survey is no longer open.';

export function renderSurvey(req: Pick<SurveyRequest, 'surveyId' | 'question'>): { text: string; blocks: Block[] } {
  return {
    text: plainText(req.question, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwnText(req.question, 300) } },
      {
        type: 'actions',
        block_id: 'survey_rating',
        elements: [
          ...LABELS.map((label, i) => ({ type: 'button', action_id: `survey_rate_${i + 1}`, value: req.surveyId, text: { type: 'plain_text', text: label } })),
          { type: 'button', action_id: COMMENT_ACTION, value: req.surveyId, text: { type: 'plain_text', text: 'Add a comment' } },
        ],
      },
    ],
  };
}

export function commentModal(surveyId: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: COMMENT_VIEW,
    private_metadata: surveyId,
    title: { type: 'plain_text', text: 'Your feedback' },
    submit: { type: 'plain_text', text: 'Send' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'comment',
        label: { type: 'plain_text', text: 'Anything we could do better?' },
        element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: MAX_COMMENT_CHARS },
      },
    ],
  };
}

export interface SurveyDeps {
  log: Logger;
  workspaceId: () => string;
  queue: TagEnqueuer;
  track: <T>(p: Promise<T>) => Promise<T>;
}

async function ephemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

export function registerSurvey(app: App, deps: SurveyDeps): void {
  const { log } = deps;
  const who = (body: { user: { id: string }; message?: { ts?: string } }) => ({
    platform: 'slack' as const,
    workspaceId: deps.workspaceId(),
    userId: body.user.id,
    messageId: body.message?.ts ?? null,
  });

  app.action({ type: 'block_actions', action_id: RATE_ACTION }, async ({ ack, body, action, respond }) => {
    await ack();
    const rating = Number((action as { action_id: string }).action_id.slice('survey_rate_'.length));
    const value = (action as { value?: string }).value;
    const actionAt = Number((action as { action_ts?: string }).action_ts) * 1000;
    void deps.track(
      (async () => {
        const out = await rateSurvey(value, rating, { ...who(body as never), actionAt: Number.isFinite(actionAt) ? actionAt : null }, { log });
        if (out.status === 'not-customer') return ephemeral(respond, NOT_YOURS);
        if (out.status === 'replayed') return ephemeral(respond, 'That click was already counted.');
        if (!('rating' in out)) return ephemeral(respond, GONE);
        await ephemeral(respond, out.status === 'changed' ? `Thanks, your rating is now ${out.rating}/5.` : `Thanks for rating this conversation ${out.rating}/5!`);
      })().catch((err: Error) => log.error({ err: err.message, userId: body.user.id }, 'survey rating failed')),
    );
  });

  app.action({ type: 'block_actions', action_id: COMMENT_ACTION }, async ({ ack, body, action, respond, client }) => {
    await ack();
    const value = (action as { value?: string }).value;
    const trigger = (body as { trigger_id?: string }).trigger_id;
    // The trigger id is valid for 3 seconds: the check and views.open run at once.
    void deps.track(
      (async () => {
        const ok = await checkAnswerer(value, who(body as never));
        if (ok === 'not-customer') return ephemeral(respond, NOT_YOURS);
        if (ok !== 'ok' || !trigger) return ephemeral(respond, GONE);
        await (client as webApi.WebClient).views.open({ trigger_id: trigger, view: commentModal(value!) as never });
      })().catch((err: Error) => log.error({ err: err.message, userId: body.user.id }, 'survey comment form failed')),
    );
  });

  app.view({ type: 'view_submission', callback_id: COMMENT_VIEW }, async ({ ack, body, view }) => {
    const text = view.state.values.comment?.text?.value ?? '';
    if (text.trim() === '') return void (await ack({ response_action: 'errors', errors: { comment: 'Please write a comment (or cancel).' } }));
    if (text.length > MAX_COMMENT_CHARS) return void (await ack({ response_action: 'errors', errors: { comment: `At most ${MAX_COMMENT_CHARS} characters, please.` } }));
    await ack();
    void deps.track(
      (async () => {
        const out = await commentSurvey(view.private_metadata, text, { platform: 'slack', workspaceId: deps.workspaceId(), userId: body.user.id }, { queue: deps.queue, log });
        if (out.status !== 'commented' && out.status !== 'comment-changed') log.info({ status: out.status, userId: body.user.id }, 'survey comment not stored');
      })().catch((err: Error) => log.error({ err: err.message, userId: body.user.id }, 'survey comment failed')),
    );
  });
}
