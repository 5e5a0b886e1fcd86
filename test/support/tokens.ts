import { SignJWT } from 'jose';

/** The HS256 secret the tests' functions are configured with. */
export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

/** A token as the game's identity service would issue it: `sub` the player, `iat`, `exp`. */
export async function signToken(
  sub: string,
  options: { secret?: string; expiresInSeconds?: number; issuedAt?: number } = {},
): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export async function bearer(sub: string, options?: Parameters<typeof signToken>[1]): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signToken(sub, options)}` };
}
