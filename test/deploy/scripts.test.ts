// The deploy scripts and the CI entry parse (bash -n) and pass shellcheck where it is installed;
// kind-up.sh --help answers without any of the tools it needs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './deploy-files';

const SCRIPTS = ['scripts/kind-up.sh', 'scripts/kind-down.sh', 'scripts/build-images.sh', '.ci/run'].map((s) =>
  path.join(repoRoot, s),
);

const installed = (tool: string): boolean => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const haveShellcheck = installed('shellcheck');
if (!haveShellcheck) console.warn('shellcheck SKIPPED: not installed (Debian: apt-get install shellcheck)');

describe('deploy scripts', () => {
  it.each(SCRIPTS)('bash -n %s', (script) => {
    execFileSync('bash', ['-n', script], { stdio: 'pipe' });
  });
  (haveShellcheck ? it.each(SCRIPTS) : it.skip.each(SCRIPTS))('shellcheck %s', (script) => {
    execFileSync('shellcheck', ['--severity=style', script], { stdio: 'pipe' });
  });
});

describe('kind-up.sh --help', () => {
  it('prints its usage and exits 0 with no kind, docker or kubectl on PATH', () => {
    // A PATH holding only bash's own folder: none of the tools kind-up needs can be found there.
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/kind-up.sh'), '--help'], {
      env: { PATH: path.dirname(execFileSync('bash', ['-c', 'command -v bash']).toString().trim()) },
      encoding: 'utf8',
    });
    expect(out).toMatch(/^Usage: scripts\/kind-up\.sh/);
    expect(out).toContain('Needs: docker, kind');
  });
  it('refuses an unknown argument with exit 2', () => {
    let status: number | null = null;
    try {
      execFileSync('bash', [path.join(repoRoot, 'scripts/kind-up.sh'), '--bogus'], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number | null }).status;
    }
    expect(status).toBe(2);
  });
});
