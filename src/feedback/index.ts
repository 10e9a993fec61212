// Customer feedback: a satisfaction survey when a conversation is resolved (platform-neutral; the adapters
// post it and take the answers, jobs/survey.ts asks it). See README "Customer feedback".
export * from './types.js';
export { askSurvey, type AskDeps, type AskOutcome } from './ask.js';
export { rateSurvey, commentSurvey, checkAnswerer, forgetCustomerFeedback, type AnswerWho, type RateOutcome, type CommentOutcome } from './respond.js';
export { scheduleSurvey, scheduleOrDefer, retryDeferredSurveys, SURVEY_QUEUE, SURVEY_JOB_OPTIONS, type SurveyJobData } from './schedule.js';
export { surveySettings, setSurveySettings, validateSettings, channelIncluded, SurveySettingsError } from './settings.js';
export { surveyId, surveyJobId, surveys, SURVEY_ID, type SurveyDoc } from './store.js';
export { percent, shareChange, ratingText } from './figures.js';
export { fastCustomerFeedback, naiveCustomerFeedback, fastDigestFeedback, naiveDigestFeedback } from './read.js';
