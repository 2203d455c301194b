// The UI's copy of the value rules against the cases the Rust rules are tested with.
import { describe, expect, it } from 'vitest';
import type { Problem, ValueKind } from '../bindings';
import cases from '../../../crates/proto/src/values.cases.json';
import { setLanguage } from '../i18n/index.svelte';
import { parseValue, refusal } from './values';

type Case = { kind: ValueKind; typed: string; value?: string; problem?: Problem };

/** The cases' "x×300" shorthand: 300 x's. */
function expand(text: string): string {
  const [s, n] = text.split('×');
  return n !== undefined && /^\d+$/.test(n) ? (s ?? '').repeat(Number(n)) : text;
}

describe('values', () => {
  it('parses every shared case as the server and the agent do', () => {
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases as Case[]) {
      const parsed = parseValue(c.kind, expand(c.typed));
      if (c.value !== undefined) expect(parsed, c.typed).toEqual({ ok: true, value: expand(c.value) });
      else expect(parsed, c.typed).toEqual({ ok: false, error: { kind: c.kind, problem: c.problem } });
    }
  });

  it('says what is wrong in the reader’s language, with the limit', () => {
    setLanguage('en');
    expect(refusal('title', 'x'.repeat(201))).toBe('A title has at most 200 characters.');
    expect(refusal('title', 'fine')).toBeNull();
    setLanguage('it');
    expect(refusal('email', 'bob')).toBe('Questo non è un indirizzo email.');
    setLanguage('en');
  });
});
