// The nginx gateway (knative/base/gateway/default.conf.template, used by compose and Kubernetes) sends
// every frontend route of deploy/functions.json to its function, and nothing else anywhere.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeAsWritten, functionTable, interpolate, readRepoFile, type Route } from './deploy-files';

type Location = { modifier: '=' | '~' | '^~' | ''; pattern: string; upstream: string | null; body: string };

const TEMPLATE = 'knative/base/gateway/default.conf.template';

function parseLocations(conf: string): Location[] {
  const locations: Location[] = [];
  const re = /^\s*location\s+(=|~|\^~)?\s*(\S+)\s*\{([\s\S]*?)\n\s*\}\s*$/gm;
  for (let m = re.exec(conf); m; m = re.exec(conf)) {
    const body = m[3]!;
    const upstream =
      /set \$upstream http:\/\/([a-z-]+)\$\{PARLEY_UPSTREAM_SUFFIX\};\s*proxy_pass \$upstream;/.exec(body)?.[1] ?? null;
    locations.push({ modifier: (m[1] ?? '') as Location['modifier'], pattern: m[2]!, upstream, body });
  }
  return locations;
}

/** nginx's choice: exact match; else the longest prefix, unless a regex (in file order) matches first. */
function nginxLocationFor(locations: Location[], uri: string): Location | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
  if (exact) return exact;
  const prefix = locations
    .filter((l) => (l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
  if (prefix?.modifier === '^~') return prefix;
  return locations.find((l) => l.modifier === '~' && new RegExp(l.pattern).test(uri)) ?? prefix;
}

const samplePath = (route: Route) => route.path.replace(/:[a-z]+/g, 'd-7f3a');

describe('gateway routes', () => {
  const conf = readRepoFile(TEMPLATE);
  const locations = parseLocations(conf);
  const table = functionTable().functions;
  const frontend = Object.entries(table).flatMap(([fn, f]) => f.routes.map((route) => ({ fn, route })));
  const internal = Object.entries(table).flatMap(([fn, f]) => (f.internalRoutes ?? []).map((route) => ({ fn, route })));

  it('parses the locations it routes', () => {
    // One location may serve several methods of a path, and one regex several paths.
    const paths = new Set(frontend.map(({ route }) => route.path));
    expect(locations.filter((l) => l.upstream !== null).length).toBeGreaterThanOrEqual(paths.size - 3);
  });

  it.each(frontend.map(({ fn, route }) => [`${route.method} ${route.path}`, fn, route] as const))(
    '%s goes to %s',
    (_name, fn, route) => {
      expect(nginxLocationFor(locations, samplePath(route))?.upstream).toBe(fn);
    },
  );

  it('routes nothing internal (ai-generate) and answers 404 for unknown paths', () => {
    for (const { route } of internal) expect(nginxLocationFor(locations, samplePath(route))?.upstream).toBeNull();
    for (const path of [
      '/v1/tasks/dialogue.reply',
      '/healthz/x',
      '/v1/dialogues/a/b/c',
      '/v1/characters/a/b',
      '/readyz',
      '/',
    ]) {
      const location = nginxLocationFor(locations, path);
      expect([path, location?.upstream]).toEqual([path, null]);
    }
  });

  it('every routed location serves some route of the table (no stale entries)', () => {
    const used = new Set(frontend.map(({ route }) => nginxLocationFor(locations, samplePath(route))));
    expect(locations.filter((l) => l.upstream !== null && !used.has(l)).map((l) => l.pattern)).toEqual([]);
  });

  it('passes Server-Sent Events through unbuffered, for as long as Knative lets a request run', () => {
    for (const directive of [
      'proxy_buffering off;',
      'proxy_cache off;',
      'proxy_http_version 1.1;',
      'proxy_read_timeout 300s;',
    ]) {
      expect(conf).toContain(directive);
    }
    // A location with its own proxy_* settings would drop the server-level ones.
    expect(locations.filter((l) => /proxy_(buffering|set_header|read_timeout)/.test(l.body))).toEqual([]);
  });

  const nginx = (() => {
    try {
      execFileSync('nginx', ['-v'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!nginx) console.warn('nginx -t SKIPPED: nginx is not installed (Debian: apt-get install nginx-light)');
  (nginx ? it : it.skip)('nginx accepts the file once the entrypoint has filled it in (nginx -t)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-gateway-'));
    try {
      writeFileSync(
        path.join(dir, 'default.conf'),
        interpolate(conf.replace(/\$(?!\{)/g, '$$$$'), {
          PARLEY_UPSTREAM_SUFFIX: ':8080',
          NGINX_LOCAL_RESOLVERS: '127.0.0.11',
        }),
      );
      writeFileSync(
        path.join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/default.conf;\n}\n`,
      );
      execFileSync('nginx', ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compose serves this very file, with upstreams on the functions port', () => {
    const gateway = composeAsWritten().services.gateway!;
    expect(gateway.volumes).toContain(`./${TEMPLATE}:/etc/nginx/templates/default.conf.template:ro`);
    expect(gateway.environment?.PARLEY_UPSTREAM_SUFFIX).toBe(`:${functionTable().port}`);
  });
});
