import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../lib/api';
import { failureFrom } from './http';

describe('HTTP errors', () => {
  it('keeps the server error code and message', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'forbidden', message: 'not yours' } }), { status: 403 });
    const f = await failureFrom(res);
    expect(f).toBeInstanceOf(ApiFailure);
    expect(f.code).toBe('forbidden');
    expect(f.message).toBe('not yours');
  });

  it('describes a response that is not our error shape', async () => {
    const f = await failureFrom(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(f.code).toBe('unavailable');
    expect(f.message).toContain('502');
  });
});
