import { describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n/index.svelte';
import { ApiFailure } from '../lib/api';
import { createHttpApi, failureFrom, readAnswer } from './http';

describe('HTTP errors', () => {
  it('keeps the server error code, and says what the code means in the reader’s language', async () => {
    setLanguage('it');
    const res = new Response(JSON.stringify({ error: { code: 'forbidden', message: 'not yours' } }), { status: 403 });
    const f = await failureFrom(res);
    expect(f).toBeInstanceOf(ApiFailure);
    expect(f.code).toBe('forbidden');
    expect(f.message).toBe('Non puoi farlo.');
    expect(f.detail).toBe('not yours');
    setLanguage('en');
  });

  it('keeps the server’s reason for a refused input', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'bad_request', message: 'the title is empty' } }), { status: 422 });
    const f = await failureFrom(res);
    expect(f.code).toBe('bad_request');
    expect(f.message).toBe('the title is empty');
  });

  it('describes a response that is not our error shape', async () => {
    const f = await failureFrom(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(f.code).toBe('unavailable');
    expect(f.message).toBe('The service desk cannot be reached right now. Try again later.');
    const g = await failureFrom(new Response('nope', { status: 418, statusText: 'I am a teapot' }));
    expect(g.message).toContain('418');
  });
});

describe('uploads', () => {
  it('puts the bytes under their SHA-256, then names them in the reply', async () => {
    const sent: { method: string; url: string; type: string | null; body: unknown }[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      sent.push({ method: init.method ?? 'GET', url, type: new Headers(init.headers).get('Content-Type'), body: init.body });
      return new Response(init.method === 'PUT' ? '' : '{}', { status: init.method === 'PUT' ? 201 : 200 });
    }) as typeof fetch;
    try {
      const storage = new Map<string, string>([['bellhop.token', 'bht_x']]);
      const api = createHttpApi('http://desk', {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => void storage.set(k, v),
        removeItem: (k: string) => void storage.delete(k),
      } as Storage);
      const file = new File(['abc'], 'notes.txt', { type: 'text/plain' });
      const named = await api.upload(file);
      // SHA-256("abc"), the FIPS 180-2 test vector.
      expect(named).toEqual({ sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', file_name: 'notes.txt' });
      expect(sent[0]?.method).toBe('PUT');
      expect(sent[0]?.url).toBe(`http://desk/api/v1/attachments/${named.sha256}`);
      expect(sent[0]?.type).toBe('application/octet-stream');
      expect(new TextDecoder().decode(sent[0]?.body as Uint8Array)).toBe('abc');
      await api.reply('0190a8f0-0000-7000-8000-000000000000', 'see attached', [named]);
      expect(JSON.parse(String(sent[1]?.body)).attachments).toEqual([named]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

/** A response whose body arrives in these chunks, as a network splits it. */
function streamed(chunks: string[]): Response {
  const bytes = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(bytes.encode(c));
        controller.close();
      },
    }),
  );
}

describe('an assistant answer streamed line by line', () => {
  const turn = { role: 'assistant', text: 'Start the VPN.', citations: [], proposals: [], seal: 's' };
  const lines = [
    JSON.stringify({ type: 'words', text: 'Start the ' }),
    JSON.stringify({ type: 'words', text: 'VPN.' }),
    JSON.stringify({ type: 'done', turn }),
  ].join('\n');

  it('hears the words as they come, however the chunks cut the lines, then the whole answer', async () => {
    const heard: string[] = [];
    // Cut in the middle of lines.
    const cuts = [lines.slice(0, 7), lines.slice(7, 40), lines.slice(40)];
    const answer = await readAnswer(streamed(cuts), (w) => heard.push(w));
    expect(heard).toEqual(['Start the ', 'VPN.']);
    expect(answer).toEqual(turn);
  });

  it('fails on a failed line, and on a stream that ends before the answer', async () => {
    const failed = JSON.stringify({ type: 'failed', error: { error: { code: 'unavailable', message: 'model down' } } });
    await expect(readAnswer(streamed([lines.split('\n')[0] + '\n' + failed + '\n']), () => undefined)).rejects.toThrow('model down');
    await expect(readAnswer(streamed([lines.split('\n')[0] + '\n']), () => undefined)).rejects.toBeInstanceOf(ApiFailure);
  });
});
