// scripts/token.mjs (npm run token): the token it prints is one the functions' HS256 check accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, '../../scripts/token.mjs');
const SECRET = 'token-test-secret-0123456789abcdef0123';
const dir = mkdtempSync(path.join(tmpdir(), 'parley-token-'));
const dotenv = path.join(dir, '.env');
writeFileSync(dotenv, `# as in .env.example\nAUTH_MODE=jwt\nAUTH_JWT_SECRET=${SECRET}\nAUTH_ISSUER=studio\n`);
// The test's own environment must not supply the secret.
const env = { PATH: process.env.PATH ?? '' };

describe('npm run token', () => {
  it('signs a token for the player with the .env secret, accepted by the HS256 check with sub, exp and iss', async () => {
    const { stdout } = await run('node', [SCRIPT, '--player', 'p1', '--ttl', '10m', '--dotenv', dotenv], { env });
    const { payload, protectedHeader } = await jwtVerify(stdout.trim(), new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      issuer: 'studio',
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('p1');
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('prefers AUTH_JWT_SECRET from the environment over the file', async () => {
    const other = 'other-secret-from-the-environment-0123456789';
    const { stdout } = await run('node', [SCRIPT, '--player', 'p2', '--dotenv', dotenv], {
      env: { ...env, AUTH_JWT_SECRET: other },
    });
    await expect(jwtVerify(stdout.trim(), new TextEncoder().encode(other))).resolves.toBeDefined();
    await expect(jwtVerify(stdout.trim(), new TextEncoder().encode(SECRET))).rejects.toThrow();
  });

  it.each([
    [['--player', 'p1', '--dotenv', path.join(dir, 'absent.env')], /AUTH_JWT_SECRET is not set/],
    [['--dotenv', dotenv], /--player is required/],
    [['--player', 'p1', '--ttl', 'soon', '--dotenv', dotenv], /--ttl soon is not a duration/],
  ])('fails with a line naming the problem: %j', async (args, message) => {
    await expect(run('node', [SCRIPT, ...args], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(message),
    });
  });
});
