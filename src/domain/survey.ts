// The shape of satisfaction-survey settings, shared by configuration (SURVEY_* defaults) and src/feedback
// (per-workspace overrides). Pure: this module imports nothing of the project.

/** The survey settings of a workspace: env defaults (SURVEY_*) with per-workspace overrides. */
export interface SurveySettings {
  enabled: boolean;
  /** Channel ids or names (`#name` or `name`) asked in; empty = every support channel. */
  channels: string[];
  /** How long after a conversation is resolved the customer is asked (minutes). */
  delayMinutes: number;
  /** The question shown above the 1–5 buttons. */
  question: string;
}

export const DEFAULT_SURVEY_SETTINGS: SurveySettings = {
  enabled: false,
  channels: [],
  delayMinutes: 60,
  question: 'How did we do? Please rate this conversation from 1 (poor) to 5 (great).',
};
