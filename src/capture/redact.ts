// Optional redaction of secrets in message text before it is stored (REDACT_SECRETS_IN_TEXT): payment card
// numbers (13-19 digits, spaces or dashes allowed, Luhn-checked so order numbers and phone numbers stay),
// and well-known credential shapes (Slack and Stripe keys, AWS access keys, GitHub and Discord tokens,
// private key blocks, bearer tokens). Pure: text in, text out, with how many were replaced.

export interface RedactionResult {
  text: string;
  redacted: number;
}

const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const SECRETS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, '[redacted token]'],
  [/\bxapp-[A-Za-z0-9-]{10,}\b/g, '[redacted token]'],
  [/\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, '[redacted key]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted key]'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, '[redacted token]'],
  [/\b[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}\b/g, '[redacted token]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g, '$1 [redacted]'],
  [/\b(password|passwd|pwd)\s*[:=]\s*\S+/gi, '$1: [redacted]'],
];

export function redactSecrets(text: string): RedactionResult {
  let redacted = 0;
  let out = text.replace(CARD, (m) => {
    const digits = m.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return m;
    redacted++;
    return `[redacted card ••••${digits.slice(-4)}]`;
  });
  for (const [pattern, replacement] of SECRETS) {
    out = out.replace(pattern, (...args: unknown[]) => {
      redacted++;
      const group = typeof args[1] === 'string' ? args[1] : '';
      return replacement.replace('$1', group);
    });
  }
  return { text: out, redacted };
}
