// npm run -s token -- --player p1 [--ttl 1h] [--dotenv .env]
// Prints a player's bearer JWT (HS256, `sub` = the player, `exp` = now + ttl) signed with AUTH_JWT_SECRET,
// the secret the functions verify with: taken from the environment, else from the env file (default .env,
// the file docker compose reads). AUTH_ISSUER / AUTH_AUDIENCE are added when set, as the functions require them.
// For local play and smoke tests: in production the game's identity service issues the tokens.
import { SignJWT } from 'jose';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs, parseEnv } from 'node:util';

const usage = 'usage: npm run -s token -- --player <playerId> [--ttl 1h] [--dotenv .env]';
const fail = (message) => {
  console.error(`token: ${message}`);
  process.exit(1);
};

let values;
try {
  ({ values } = parseArgs({
    options: {
      player: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      dotenv: { type: 'string', default: '.env' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  fail(`${e.message}\n${usage}`);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.player) fail(`--player is required\n${usage}`);

const file = values.dotenv;
const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
const setting = (name) => process.env[name] || fromFile[name] || undefined;

const secret = setting('AUTH_JWT_SECRET');
if (!secret)
  fail(
    `AUTH_JWT_SECRET is not set (neither in the environment nor in ${file}); generate one with: openssl rand -hex 32`,
  );
if (secret.length < 32) fail('AUTH_JWT_SECRET must be at least 32 characters (the functions refuse a shorter one)');

let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(values.player).setIssuedAt();
try {
  jwt = jwt.setExpirationTime(values.ttl);
} catch {
  fail(`--ttl ${values.ttl} is not a duration such as 30m, 1h, 7d`);
}
const issuer = setting('AUTH_ISSUER');
const audience = setting('AUTH_AUDIENCE');
if (issuer) jwt = jwt.setIssuer(issuer);
if (audience) jwt = jwt.setAudience(audience);
console.log(await jwt.sign(new TextEncoder().encode(secret)));
