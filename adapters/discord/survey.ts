// The satisfaction survey on Discord: a message in the conversation's thread (or replying to its first
// message) with five rating buttons and a comment button that opens a modal. Interactions arrive over the
// authenticated gateway; the clicker is `interaction.user.id` and the survey is found by its stored id.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type Interaction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { TagEnqueuer } from '../../src/capture/capture.js';
import { checkAnswerer, commentSurvey, MAX_COMMENT_CHARS, rateSurvey, SURVEY_ID, type SurveyRequest } from '../../src/feedback/index.js';
import type { Logger } from '../../src/logger.js';
import { safeText, truncate } from './text.js';

const NO_MENTIONS = { parse: [] as [] };
export const RATE_PREFIX = 'survey:rate:';
export const COMMENT_PREFIX = 'survey:comment:';
export const MODAL_PREFIX = 'survey:modal:';
export const NOT_YOURS = 'Thanks for the click! This survey is for the customer of this conversation, so only their answer counts.';
const GONE = 'This survey is no longer open.';

export function renderSurvey(req: Pick<SurveyRequest, 'surveyId' | 'question'>) {
  const rating = new ActionRowBuilder<ButtonBuilder>().addComponents(
    ...[1, 2, 3, 4, 5].map((n) =>
      new ButtonBuilder()
        .setCustomId(`${RATE_PREFIX}${n}:${req.surveyId}`)
        .setLabel(n === 1 ? '1 · Poor' : n === 5 ? '5 · Great' : String(n))
        .setStyle(n >= 4 ? ButtonStyle.Success : n <= 2 ? ButtonStyle.Danger : ButtonStyle.Secondary),
    ),
  );
  const comment = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`${COMMENT_PREFIX}${req.surveyId}`).setLabel('Add a comment').setStyle(ButtonStyle.Primary),
  );
  return { content: truncate(safeText(req.question), 2000), components: [rating.toJSON(), comment.toJSON()], allowedMentions: NO_MENTIONS };
}

export function commentModal(surveyId: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(`${MODAL_PREFIX}${surveyId}`)
    .setTitle('Your feedback')
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId('comment').setLabel('Anything we could do better?').setStyle(TextInputStyle.Paragraph).setMaxLength(MAX_COMMENT_CHARS).setRequired(true),
      ),
    );
}

/** Whether an interaction belongs to the survey (the adapter routes it here). */
export function isSurveyInteraction(i: Interaction): i is ButtonInteraction | ModalSubmitInteraction {
  return (i.isButton() && i.customId.startsWith('survey:')) || (i.isModalSubmit() && i.customId.startsWith(MODAL_PREFIX));
}

export class SurveyInteractions {
  constructor(private readonly opts: { log: Logger; queue: TagEnqueuer }) {}

  async handle(i: ButtonInteraction | ModalSubmitInteraction): Promise<void> {
    try {
      if (!i.inGuild()) return await this.say(i, GONE);
      const who = { platform: 'discord' as const, workspaceId: i.guildId, userId: i.user.id };
      if (i.isModalSubmit()) return await this.comment(i, who);
      if (i.customId.startsWith(COMMENT_PREFIX)) {
        const id = i.customId.slice(COMMENT_PREFIX.length);
        const ok = await checkAnswerer(id, { ...who, messageId: i.message.id });
        if (ok === 'not-customer') return await this.say(i, NOT_YOURS);
        if (ok !== 'ok') return await this.say(i, GONE);
        return await i.showModal(commentModal(id));
      }
      const m = /^survey:rate:([1-5]):(sv[0-9a-f]{24})$/.exec(i.customId);
      if (!m) return await this.say(i, GONE);
      const out = await rateSurvey(m[2], Number(m[1]), { ...who, messageId: i.message.id }, { log: this.opts.log });
      if (out.status === 'not-customer') return await this.say(i, NOT_YOURS);
      if (!('rating' in out)) return await this.say(i, GONE);
      await this.say(i, out.status === 'changed' ? `Thanks, your rating is now ${out.rating}/5.` : `Thanks for rating this conversation ${out.rating}/5!`);
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, customId: i.customId, userId: i.user.id }, 'survey interaction failed');
      if (!i.replied && !i.deferred) await this.say(i, 'Something went wrong; please try again.').catch(() => undefined);
    }
  }

  private async comment(i: ModalSubmitInteraction, who: { platform: 'discord'; workspaceId: string; userId: string }): Promise<void> {
    const id = i.customId.slice(MODAL_PREFIX.length);
    if (!SURVEY_ID.test(id)) return this.say(i, GONE);
    const text = i.fields.getTextInputValue('comment');
    // Storing and enqueueing may outlast Discord's 3 seconds: acknowledge first.
    await i.deferReply({ flags: MessageFlags.Ephemeral });
    const out = await commentSurvey(id, text, who, { queue: this.opts.queue, log: this.opts.log });
    const reply =
      out.status === 'commented' || out.status === 'comment-changed'
        ? 'Thanks for your comment!'
        : out.status === 'not-customer'
          ? NOT_YOURS
          : out.status === 'empty'
            ? 'The comment was empty.'
            : out.status === 'too-long'
              ? `At most ${MAX_COMMENT_CHARS} characters, please.`
              : GONE;
    await i.editReply({ content: reply, allowedMentions: NO_MENTIONS });
  }

  private async say(i: ButtonInteraction | ModalSubmitInteraction, content: string): Promise<void> {
    if (i.deferred || i.replied) await i.editReply({ content, allowedMentions: NO_MENTIONS });
    else await i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}
