// Sentiment of emoji, Slack/Discord shortcodes and emoticons, on the AFINN scale (-5..+5) (pure data).
// Hand-set for chat use; a shortcode not listed is scored from the words of its name (":angry_cat:" → "angry").

const EMOJI: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  '😀': 2, '😃': 2, '😄': 2, '😁': 2, '😆': 2, '😊': 2, '🙂': 1, '😉': 1, '😍': 3, '🥰': 3, '😘': 2, '😎': 2,
  '🤩': 3, '🥳': 3, '😇': 2, '☺': 2, '😌': 1, '😋': 2, '🤗': 2, '😂': 2, '🤣': 2, '😅': 1, '🙏': 2, '👍': 2,
  '👌': 2, '👏': 2, '🙌': 2, '💪': 2, '🎉': 3, '🎊': 3, '✨': 1, '⭐': 2, '🌟': 2, '💯': 2, '🔥': 1, '✅': 1,
  '✔': 1, '❤': 3, '💕': 3, '💖': 3, '💗': 3, '💙': 3, '💚': 3, '💜': 3, '🧡': 3, '💛': 3, '🤍': 2, '😻': 3,
  '🚀': 2, '🏆': 2, '🥇': 2, '💐': 2, '🤝': 1, '😐': 0, '😶': 0, '🤔': 0, '👀': 0,
  '😢': -2, '😭': -3, '😞': -2, '😔': -2, '😟': -2, '😕': -1, '🙁': -2, '☹': -2, '😣': -2, '😖': -2,
  '😫': -2, '😩': -2, '😤': -2, '😠': -3, '😡': -3, '🤬': -4, '👎': -2, '💔': -3, '😒': -2, '🙄': -2,
  '😑': -1, '😬': -1, '😰': -2, '😨': -2, '😱': -2, '😓': -1, '😥': -2, '🤦': -2, '🤷': 0, '❌': -1,
  '⚠': -1, '🛑': -1, '💩': -3, '🤮': -3, '🤢': -2, '😷': -1, '🥺': -1, '😿': -2, '🆘': -2, '🐛': -1,
});

const SHORTCODES: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  smile: 2, smiley: 2, grin: 2, grinning: 2, blush: 2, slightly_smiling_face: 1, simple_smile: 1, wink: 1,
  heart_eyes: 3, kissing_heart: 2, sunglasses: 2, star_struck: 3, partying_face: 3, innocent: 2, relaxed: 2,
  hugging_face: 2, hugs: 2, joy: 2, rofl: 2, laughing: 2, satisfied: 2, sweat_smile: 1, pray: 2, '+1': 2,
  thumbsup: 2, thumbs_up: 2, ok_hand: 2, clap: 2, raised_hands: 2, muscle: 2, tada: 3, confetti_ball: 3,
  sparkles: 1, star: 2, star2: 2, '100': 2, fire: 1, white_check_mark: 1, heavy_check_mark: 1,
  heart: 3, hearts: 3, sparkling_heart: 3, two_hearts: 3, rocket: 2, trophy: 2, pog: 2, poggers: 2,
  pogchamp: 2, yay: 2, neutral_face: 0, thinking_face: 0, thinking: 0, eyes: 0, shrug: 0,
  cry: -2, sob: -3, disappointed: -2, pensive: -2, worried: -2, confused: -1, slightly_frowning_face: -2,
  frowning: -2, white_frowning_face: -2, persevere: -2, confounded: -2, tired_face: -2, weary: -2,
  triumph: -2, angry: -3, rage: -3, pout: -3, face_with_symbols_on_mouth: -4, '-1': -2, thumbsdown: -2,
  thumbs_down: -2, broken_heart: -3, unamused: -2, face_with_rolling_eyes: -2, roll_eyes: -2,
  expressionless: -1, grimacing: -1, cold_sweat: -2, fearful: -2, scream: -2, sweat: -1,
  disappointed_relieved: -2, facepalm: -2, face_palm: -2, x: -1, warning: -1, no_entry: -1,
  poop: -3, hankey: -3, nauseated_face: -2, pleading_face: -1, sos: -2, bug: -1, sadge: -2,
  pepehands: -2, feelsbadman: -2, feelsgoodman: 2,
});

// Emoticons as typed (case kept where it matters: ":D" vs ":d" are both smiles, "D:" is dismay).
const EMOTICONS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  ':)': 2, ':-)': 2, '=)': 2, ':]': 2, ':D': 2, ':-D': 2, '=D': 2, ':d': 2, ';)': 1, ';-)': 1, ':P': 1, ':p': 1,
  ':-P': 1, ':-p': 1, ';P': 1, '<3': 3, '<33': 3, '<333': 3, ':*': 2, '^^': 2, '^_^': 2, '(:': 2, 'xD': 2,
  'XD': 2, 'xd': 2, ':(': -2, ':-(': -2, '=(': -2, ':[': -2, ":'(": -3, ":’(": -3, 'D:': -2, '>:(': -3,
  '):': -2, ':/': -1, ':-/': -1, ':\\': -1, ':|': -1, ':-|': -1, '</3': -3, '-_-': -1, 'T_T': -2, 't_t': -2,
  ':@': -3, ':$': -1, ':S': -1, ':s': -1,
});

export function emojiValence(ch: string): number | undefined {
  return EMOJI[ch.replace(/\uFE0F/g, '')];
}

export function emoticonValence(text: string): number | undefined {
  return EMOTICONS[text] ?? EMOTICONS[text.toLowerCase()];
}

/** A shortcode's own valence, if listed. */
export function shortcodeValence(name: string): number | undefined {
  return SHORTCODES[name];
}
