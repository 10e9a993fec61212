// Rebuilds data/needs/none-examples.json: texts that state no support need. From CLINC150 (clinc/oos-eval @ 828f809,
// CC BY 3.0) its train and val splits and the oos_train and oos_val rows are used (never test or oos_test),
// leaving out intents that are support needs in disguise (orders, bills, cards, accounts); plus hand-written chat
// acknowledgements.
// Dev tool: reads ../shared/data; the product reads only the file it writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkSetTexts } from '../eval/check-set.js';

const PER_INTENT = Number(process.env.PER_INTENT ?? 120);
// Questions about a rate that no need covers are no need (the check set's labelling rule: product questions outside
// the taxonomy are none; Banking77's exchange_rate is mapped to none alike): interest_rate and apr are used.
// credit_limit, rewards_balance and expiration_date were tried and left out: their words ("credit", "expired") are how
// customers report problems ("my premium expired even though i paid", "mpesa sent but no credit" went to none);
// find_phone stays out alike ("phone" is how customers ask for a person).
const EXCLUDED = new Set([
  'account_blocked', 'bill_balance', 'bill_due', 'pay_bill', 'card_declined', 'cancel', 'cancel_reservation', 'order',
  'order_status', 'order_checks', 'change_user_name', 'user_name', 'pin_change', 'freeze_account', 'report_fraud',
  'report_lost_card', 'new_card', 'damaged_card', 'replacement_card_duration', 'transactions', 'balance',
  'credit_limit', 'credit_limit_change', 'direct_deposit', 'min_payment', 'spending_history', 'expiration_date',
  'redeem_rewards', 'rewards_balance', 'reset_settings', 'application_status', 'lost_luggage', 'international_fees',
  'transfer', 'routing', 'confirm_reservation', 'sync_device', 'find_phone', 'insurance_change',
]);

const CHAT = [
  'hi', 'hello', 'hey', 'hey there', 'hi team', 'good morning', 'morning all', 'hello?', 'anyone here?', 'yo',
  'thanks', 'thank you', 'thanks!', 'thank you so much', 'thx', 'ty', 'cheers', 'much appreciated', 'appreciate it',
  'ok', 'okay', 'ok thanks', 'got it', 'sounds good', 'great', 'perfect', 'cool', 'awesome thanks', 'nice', 'sure',
  'yes', 'no', 'yep', 'nope', 'lol', 'haha', 'lol ok', 'np', 'no worries', 'all good', 'never mind', 'nvm',
  'nvm figured it out', 'that worked', 'it works now', 'that fixed it thanks', 'have a nice day', 'bye', 'see you',
  'have a good weekend', 'you rock', 'brb', 'one sec', 'give me a minute', 'let me check', 'will do', 'done',
  'just tried it', 'ok trying now', 'happy friday', 'how are you', "how's it going", 'good thanks and you',
  'sorry for the late reply', 'sorry wrong channel', 'test', 'testing', 'ping', '+1', 'same here', 'me too',
  'following', 'bump', 'this', 'agreed', 'makes sense', 'understood', 'fair enough', 'i see', 'oh ok', 'hmm',
  'interesting', 'wow', 'welcome', 'congrats', 'happy new year', 'good night', 'ok cool thanks for the help',
  'any update?', 'any news on this', 'still waiting', 'ok will try that', 'let me try again', 'thanks for the quick reply',
  'hello? anyone there', 'all sorted now, cheers', 'great stuff thanks', 'sorry to bother you', 'quick question',
  'one more thing', 'hang on', 'yes please', 'no thanks', 'that is all', 'thanks for your patience', 'see above',
  'sent you a dm', 'just checking in', 'good afternoon', 'hiya', 'thanks a million', 'brilliant thank you', 'noted',
]; // (hand-written)

const clinc = JSON.parse(readFileSync(new URL('../../shared/data/clinc150.json', import.meta.url), 'utf8')) as Record<string, Array<[string, string]>>;
const perIntent = new Map<string, number>();
const texts: string[] = [];
for (const [text, intent] of [...clinc.train!, ...clinc.val!]) {
  if (EXCLUDED.has(intent)) continue;
  const n = perIntent.get(intent) ?? 0;
  if (n >= PER_INTENT) continue;
  perIntent.set(intent, n + 1);
  texts.push(text);
}
// CLINC150's oos rows were out of scope for its assistant; read as chat to a business, all 200 were checked by hand
// and these few state a need of the taxonomy (contact, billing) or are as ambiguous as the mappings' null intents
// (Banking77 transfer_timing; a balance alert): they are not taught as no need.
const OOS_NEEDS = new Set([
  'i need to speak to customer service regarding my flight', // contact
  'how do i change my billing address', // billing / account
  'how much is an overdraft fee for bank', // billing (fees)
  'how long do wire transfers take', // as Banking77 transfer_timing: not used
  'set a warning for when my bank account starts running low', // howto or none: not used
]);
for (const [text] of [...clinc.oos_train!, ...clinc.oos_val!]) if (!OOS_NEEDS.has(text)) texts.push(text);
texts.push(...CHAT);
// The real-chat check set is never trained on: a text equal to one of its messages is left out.
const held = checkSetTexts();
const kept = texts.filter((t) => !held.has(t.trim().toLowerCase()));
texts.length = 0;
texts.push(...kept);
const out = {
  source:
    'clinc/oos-eval @ 828f809 data/data_full.json (CC BY 3.0): oos_train and oos_val rows (but 5 that state a support need) and the first ' +
    `${PER_INTENT} train+val rows of each intent that is not a support need; plus hand-written chat acknowledgements. ` +
    'Texts equal to a message of eval/real-chat-check.jsonl are left out. Rebuilt by scripts/build-none-examples.ts.',
  texts,
};
writeFileSync(new URL('../data/needs/none-examples.json', import.meta.url), JSON.stringify(out, null, 0).replace(/","/g, '",\n"') + '\n');
console.error(`wrote ${texts.length} texts (${perIntent.size} CLINC intents)`);
