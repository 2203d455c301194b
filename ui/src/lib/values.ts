// The values people type, checked by the same rules the server and the agent use
// (crates/proto/src/values.rs): the limits and patterns come from the generated bindings, and
// values.test.ts runs the cases the Rust tests run, so both copies agree. A value that cannot be
// sent is refused as it is typed, in the reader's language.
import {
  EMAIL_PATTERN,
  MAX_BODY_CHARS,
  MAX_EMAIL_CHARS,
  MAX_NAME_CHARS,
  MAX_TITLE_CHARS,
  PHONE_PATTERN,
  PHONE_SEPARATORS,
  type Problem,
  type ValueError,
  type ValueKind,
} from '../bindings';
import { t, type MessageKey } from '../i18n/index.svelte';

/** A parsed value, or what is wrong with it. */
export type Parsed = { ok: true; value: string } | { ok: false; error: ValueError };

const EMAIL = new RegExp(EMAIL_PATTERN);
const PHONE = new RegExp(PHONE_PATTERN);

const ok = (value: string): Parsed => ({ ok: true, value });
const fail = (kind: ValueKind, problem: Problem): Parsed => ({ ok: false, error: { kind, problem } });
/** Characters as Rust counts them (code points), not UTF-16 units. */
const chars = (s: string) => [...s].length;

function bounded(kind: ValueKind, typed: string, max: number): Parsed {
  const text = typed.trim();
  if (text === '') return fail(kind, 'empty');
  return chars(text) > max ? fail(kind, 'too_long') : ok(text);
}

const RULES: Record<ValueKind, (typed: string) => Parsed> = {
  title: (typed) => bounded('title', typed, MAX_TITLE_CHARS),
  description: (typed) => (chars(typed) > MAX_BODY_CHARS ? fail('description', 'too_long') : ok(typed)),
  reply: (typed) => (chars(typed) > MAX_BODY_CHARS ? fail('reply', 'too_long') : bounded('reply', typed, MAX_BODY_CHARS)),
  name: (typed) => bounded('name', typed, MAX_NAME_CHARS),
  email: (typed) => {
    const text = typed.trim();
    if (text === '') return fail('email', 'empty');
    const email = text.toLowerCase();
    return chars(text) <= MAX_EMAIL_CHARS && EMAIL.test(email) ? ok(email) : fail('email', 'malformed');
  },
  phone: (typed) => {
    let number = [...typed.trim()].filter((c) => !PHONE_SEPARATORS.includes(c)).join('');
    if (number.startsWith('00')) number = `+${number.slice(2)}`;
    if (number === '') return fail('phone', 'empty');
    return PHONE.test(number) ? ok(number) : fail('phone', 'malformed');
  },
  contact_phone: (typed) => {
    const phone = typed.trim();
    if (phone === '') return ok('');
    const digits = [...phone].filter((c) => c >= '0' && c <= '9').length;
    const shaped = [...phone].every((c) => (c >= '0' && c <= '9') || ' +-().'.includes(c));
    return shaped && digits >= 4 && chars(phone) <= 40 ? ok(phone) : fail('contact_phone', 'malformed');
  },
  domain: (typed) => {
    const d = typed.trim().replace(/^@+/, '').toLowerCase();
    if (d === '') return fail('domain', 'empty');
    const valid = d.length <= 253 && d.includes('.') && !d.startsWith('.') && !d.endsWith('.') && /^[a-z0-9.-]+$/.test(d);
    return valid ? ok(d) : fail('domain', 'malformed');
  },
};

/** What `kind`'s rule makes of `typed`. */
export function parseValue(kind: ValueKind, typed: string): Parsed {
  return RULES[kind](typed);
}

const MESSAGES: Record<ValueKind, Partial<Record<Problem, MessageKey>> & { malformed?: MessageKey }> = {
  title: { empty: 'values.title_empty', too_long: 'values.title_too_long' },
  description: { too_long: 'values.description_too_long' },
  reply: { empty: 'values.reply_empty', too_long: 'values.reply_too_long' },
  name: { empty: 'values.name_empty', too_long: 'values.name_too_long' },
  email: { empty: 'values.email_empty', malformed: 'values.email_malformed' },
  phone: { empty: 'values.phone_malformed', malformed: 'values.phone_malformed' },
  contact_phone: { malformed: 'values.contact_phone_malformed' },
  domain: { empty: 'values.domain_malformed', malformed: 'values.domain_malformed' },
};

const LIMITS: Partial<Record<ValueKind, number>> = {
  title: MAX_TITLE_CHARS,
  description: MAX_BODY_CHARS,
  reply: MAX_BODY_CHARS,
  name: MAX_NAME_CHARS,
};

/** What is wrong, in the reader's language. */
export function valueMessage(error: ValueError): string {
  const key = MESSAGES[error.kind][error.problem] ?? MESSAGES[error.kind].malformed ?? 'values.email_malformed';
  return t(key, { max: (LIMITS[error.kind] ?? 0).toLocaleString() });
}

/** The message for `typed` as `kind`, or null when it can be sent. */
export function refusal(kind: ValueKind, typed: string): string | null {
  const parsed = parseValue(kind, typed);
  return parsed.ok ? null : valueMessage(parsed.error);
}
