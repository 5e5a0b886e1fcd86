// The deploy scripts parse (bash -n) and pass shellcheck where it is installed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './deploy-files';

const SCRIPTS = ['scripts/kind-up.sh', 'scripts/kind-down.sh', 'scripts/build-images.sh'].map((s) => path.join(repoRoot, s));

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
