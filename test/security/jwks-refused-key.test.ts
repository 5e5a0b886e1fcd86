/**
 * A JWKS holding a key Parley refuses (an RSA key shorter than 2048 bits, which `jose` will not verify
 * with): a token naming it is the client's failure, 401 `Unauthorized`, and the refusal is logged once per
 * key id, not once per request. The identity service being down stays 503 `AuthUnavailable`.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtAuthenticator } from '@parley/shared/http';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { captureLogger } from '../support/capture-logger';
import { freePort } from '../support/http';

// jose refuses to make or sign with a short RSA key, so the identity service here uses node:crypto.
function rsaKey(bits: number, kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function rs256Token(privateKey: KeyObject, kid: string, sub: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const weak = rsaKey(1024, 'weak-1024');
const strong = rsaKey(2048, 'strong-2048');
const { logger, lines } = captureLogger('warn');
let jwks: Server;
let jwksUrl: string;
let h: Awaited<ReturnType<typeof startDialogueFunctions>>;

beforeAll(async () => {
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [weak.jwk, strong.jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  h = await startDialogueFunctions({ access: { auth: jwtAuthenticator({ jwksUrl, logger }) } });
});

afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

const list = (token: string) =>
  fetch(`${h.urls.start}/v1/dialogues?status=active`, { headers: { authorization: `Bearer ${token}` } });

test('a token signed by a key the JWKS serves but Parley refuses is 401, and the key is warned about once', async () => {
  const token = rs256Token(weak.privateKey, 'weak-1024', 'player-weak');
  for (let i = 0; i < 12; i++) {
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('Unauthorized');
  }
  const warnings = lines.filter((line) => line.kid === 'weak-1024');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ level: 40 });
  expect(String(warnings[0]!.msg)).toMatch(/refused/);
});

test('a token signed by an acceptable key of the same JWKS still passes', async () => {
  const res = await list(rs256Token(strong.privateKey, 'strong-2048', 'player-strong'));
  expect(res.status).toBe(200);
});

test('an identity service that does not answer is still 503 AuthUnavailable', async () => {
  const port = await freePort();
  const down = await startDialogueFunctions({
    access: { auth: jwtAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, logger }) },
  });
  try {
    const res = await fetch(`${down.urls.start}/v1/dialogues?status=active`, {
      headers: { authorization: `Bearer ${rs256Token(strong.privateKey, 'strong-2048', 'player-strong')}` },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AuthUnavailable');
  } finally {
    await down.close();
  }
});

test('a JWKS endpoint answering 500 is the identity service failing: 503, not the token', async () => {
  const broken = createServer((_req, res) => {
    res.statusCode = 500;
    res.end('oops');
  });
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/jwks.json`;
  const down = await startDialogueFunctions({ access: { auth: jwtAuthenticator({ jwksUrl: url, logger }) } });
  try {
    const res = await fetch(`${down.urls.start}/v1/dialogues?status=active`, {
      headers: { authorization: `Bearer ${rs256Token(strong.privateKey, 'strong-2048', 'player-strong')}` },
    });
    expect(res.status).toBe(503);
  } finally {
    await down.close();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  }
});
