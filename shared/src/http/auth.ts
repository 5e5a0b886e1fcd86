import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError, type AuthConfig } from '../config';
import { PlayerIdSchema } from '../domain/dialogue';
import { AuthUnavailable, Forbidden, Unauthorized } from '../domain/errors';
import type { Logger } from '../ports/logger';
import { parseInput } from '../domain/parse-input';

/**
 * Who is calling: resolves the player id of a request, or rejects with 401 `Unauthorized` (503
 * `AuthUnavailable` only when the JWKS cannot be fetched).
 */
export interface Authenticator {
  readonly mode: 'jwt' | 'none';
  playerOf(req: Request): Promise<string>;
}

const MAX_TOKEN_CHARS = 8192;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Key ids already warned about, so a refused key is logged once, not per request; bounded against floods. */
const MAX_WARNED_KEYS = 1000;

/**
 * The player named by a verified bearer JWT: `sub` is the player id; `exp` is required.
 *
 * Failures: 401 `Unauthorized` for every token problem, including a token naming a JWKS key that `jose`
 * refuses to use (an RSA key under 2048 bits, a malformed key): that key is the issuer's mistake and the
 * token is unusable, so it is the client's failure; `logger` warns once per key id. 503 `AuthUnavailable`
 * only when the JWKS itself cannot be had (unreachable, timed out, not 200, not a JSON key set).
 */
export function jwtAuthenticator(options: {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  logger?: Logger | undefined;
}): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl), {
      timeoutDuration: 3000,
      cooldownDuration: 30_000,
      // Marks a failed fetch as the identity service's, so it is told apart from a key jose refuses.
      [customFetch]: (url: string, init: RequestInit) =>
        fetch(url, init).catch((err: unknown) => {
          throw new AuthUnavailable('cannot fetch the JWKS', { cause: err });
        }),
    });
    algorithms = ASYMMETRIC;
  } else {
    throw new Error('jwtAuthenticator needs a secret or a JWKS URL');
  }
  const verifyOptions = {
    algorithms,
    requiredClaims: ['sub', 'exp'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  const warned = new Set<string>();
  const warnRefusedKey = (token: string, err: unknown) => {
    let kid = '(none)';
    try {
      kid = decodeProtectedHeader(token).kid ?? '(none)';
    } catch {
      // jwtVerify got past the header, so this does not happen; the warning still names no key.
    }
    if (warned.has(kid) || warned.size >= MAX_WARNED_KEYS) return;
    warned.add(kid);
    options.logger?.warn(
      { kid, jwksUrl: options.jwksUrl, reason: (err as { message?: unknown } | null)?.message },
      'a JWKS key was refused: tokens naming it get 401 until the identity service replaces it',
    );
  };
  return {
    mode: 'jwt',
    async playerOf(req) {
      const header = req.header('authorization');
      const match = header && header.length <= MAX_TOKEN_CHARS + 7 ? /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header) : null;
      if (!match) throw new Unauthorized('a bearer token is required');
      const token = match[1]!;
      let sub: unknown;
      try {
        const verified = await (typeof key === 'function'
          ? jwtVerify(token, key, verifyOptions)
          : jwtVerify(token, key, verifyOptions));
        sub = verified.payload.sub;
      } catch (err) {
        // The identity service being unreachable or serving junk is ours to fix, not a bad token.
        if (err instanceof AuthUnavailable) throw err;
        if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || isJwksHttpFailure(err)) {
          throw new AuthUnavailable('cannot check the token now', { cause: err });
        }
        // Anything else jose throws outside its own error classes is a key it would not import or use.
        if (!(err instanceof joseErrors.JOSEError)) warnRefusedKey(token, err);
        // One message for every failure: which check failed helps only a forger.
        throw new Unauthorized('the bearer token is invalid or expired');
      }
      const player = PlayerIdSchema.safeParse(sub);
      if (!player.success) throw new Unauthorized('the bearer token is invalid or expired');
      return player.data;
    },
  };
}

/** jose's plain `JOSEError` (no subclass) is thrown only for a JWKS answer that is not 200 or not JSON. */
function isJwksHttpFailure(err: unknown): boolean {
  return err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC';
}

/** Local play only: the game may name the player in `X-Player-Id`; otherwise everyone is `anonymous`. */
export function headerAuthenticator(): Authenticator {
  return {
    mode: 'none',
    async playerOf(req) {
      const header = req.header('x-player-id');
      if (header === undefined) return 'anonymous';
      return parseInput(PlayerIdSchema, header, 'X-Player-Id header');
    },
  };
}

/** Built once at start-up; a jwt mode with no key stops the process naming the variable. */
export function authenticatorFromConfig(config: AuthConfig, logger: Logger): Authenticator {
  if (config.AUTH_MODE === 'none') {
    logger.warn(
      'AUTH_MODE=none: NO AUTHENTICATION. Any caller may act as any player (X-Player-Id). Never run this in production.',
    );
    return headerAuthenticator();
  }
  if (!config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
    throw new ConfigError(
      'invalid configuration: AUTH_JWT_SECRET: AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (or set AUTH_MODE=none for local play)',
    );
  }
  return jwtAuthenticator({
    secret: config.AUTH_JWT_SECRET,
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    logger,
  });
}

/** Resolves the player before the route runs; `playerIdOf(req)` reads it. */
export function authenticate(auth: Authenticator): RequestHandler {
  return (req, res, next) => {
    auth.playerOf(req).then(
      (playerId) => {
        res.locals.playerId = playerId;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/**
 * Internal callers (the dialogue functions calling ai-generate, a broker delivering to a
 * subscriber) present `Authorization: Bearer <service token>`; compared in constant time.
 */
export function requireServiceToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.header('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new Unauthorized('a valid service token is required'));
  };
}

/** `requireServiceToken` when a token is configured, else nothing (the trade-off is in docs/security.md). */
export function serviceGuard(token: string | undefined): RequestHandler[] {
  return token ? [requireServiceToken(token)] : [];
}

/**
 * The game server's routes: `Authorization: Bearer <GAME_SERVICE_TOKEN>` only (compared in constant time).
 * No token, or no GAME_SERVICE_TOKEN configured: 401 (closed, never open). A player's valid token: 403,
 * since a player may never write what a character remembers.
 */
export function requireGameServiceToken(token: string | undefined, players: Authenticator): RequestHandler {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return (req, _res, next) => {
    const header = req.header('authorization');
    if (!header) return next(new Unauthorized('the game service token is required'));
    const given = Buffer.from(header);
    if (expected && given.length === expected.length && timingSafeEqual(given, expected)) return next();
    if (!expected) return next(new Unauthorized('game-server routes are closed: GAME_SERVICE_TOKEN is not configured'));
    players.playerOf(req).then(
      () => next(new Forbidden('a player token cannot use game-server routes')),
      () => next(new Unauthorized('a valid game service token is required')),
    );
  };
}
