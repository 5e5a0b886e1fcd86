// Reading the deploy files the way their tools do: kustomize renders, compose interpolates and merges,
// the Kubernetes API server validates against the resource schemas (../shared/k8s-schemas).
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const schemasDir = path.resolve(repoRoot, '..', 'shared', 'k8s-schemas');
export const OVERLAYS = ['dev', 'prod'] as const;

export const readRepoFile = (relative: string): string => readFileSync(path.join(repoRoot, relative), 'utf8');

// ---- the function table (deploy/functions.json) ----

const RouteSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/'),
});
const FunctionTableSchema = z.strictObject({
  port: z.number().int(),
  functions: z.record(
    z.string(),
    z.strictObject({
      characters: z.boolean(),
      emitsEvents: z.boolean(),
      subscriber: z.boolean().optional(),
      routes: z.array(RouteSchema),
      internalRoutes: z.array(RouteSchema).optional(),
    }),
  ),
});
export type FunctionTable = z.infer<typeof FunctionTableSchema>;
export type Route = z.infer<typeof RouteSchema>;

export function functionTable(): FunctionTable {
  return FunctionTableSchema.parse(JSON.parse(readRepoFile('deploy/functions.json')));
}

/** Function folders as they are now (others may still be writing some of them). */
export function functionFolders(): string[] {
  return readdirSync(path.join(repoRoot, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

// ---- Kubernetes manifests ----

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
};

export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const rendered = new Map<string, K8sObject[]>();
/** `kubectl kustomize knative/<dir>`, as the platform renders it (cached per run). */
export function renderKustomization(dir: string): K8sObject[] {
  let objects = rendered.get(dir);
  if (!objects) {
    const text = execFileSync('kubectl', ['kustomize', path.join(repoRoot, 'knative', dir)], { encoding: 'utf8' });
    objects = parseManifests(text);
    rendered.set(dir, objects);
  }
  return objects;
}

export const schemaFileName = (o: Pick<K8sObject, 'apiVersion' | 'kind'>): string =>
  `${o.apiVersion.replace('/', '_')}_${o.kind}.json`;

export type SchemaValidator = (object: unknown) => ErrorObject[];

/** ajv as the schemas' README prescribes: draft-07, strict off (x-kubernetes-* keywords), formats on. */
export function k8sValidator(variant: 'default' | 'strict'): (fileName: string) => SchemaValidator | null {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return (fileName) => {
    const file = variant === 'strict' ? path.join(schemasDir, 'strict', fileName) : path.join(schemasDir, fileName);
    if (!existsSync(file)) return null;
    let validate = compiled.get(file);
    if (!validate) {
      validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
      compiled.set(file, validate);
    }
    const check = validate;
    return (object) => (check(object) ? [] : [...(check.errors ?? [])]);
  };
}

export const describeErrors = (errors: ErrorObject[]): string[] =>
  errors.map(
    (e) =>
      `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );

export const isFunctionService = (o: K8sObject): boolean =>
  o.apiVersion === 'serving.knative.dev/v1' &&
  o.kind === 'Service' &&
  o.metadata.labels?.['parley.dev/function'] !== undefined;

type KnativeServiceSpec = {
  template: {
    metadata?: { annotations?: Record<string, string> };
    spec: {
      containerConcurrency?: number;
      containers: Array<{
        image: string;
        ports?: Array<{ containerPort: number }>;
        env?: Array<{ name: string }>;
        envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
        readinessProbe?: { httpGet?: { path: string } };
        livenessProbe?: { httpGet?: { path: string } };
      }>;
    };
  };
};
export const knativeSpec = (o: K8sObject): KnativeServiceSpec => o.spec as KnativeServiceSpec;

// ---- docker-compose.yml ----

/** KEY=value lines of an env file (no quotes or export, as .env.example is written). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}` (defaults may nest), `$$` for `$`.
 * Enough for what docker-compose.yml uses; anything else is an error here rather than a silent pass.
 */
export function interpolate(text: string, env: Record<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i += 1;
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (text[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j += 1) {
        if (text[j] === '{') depth += 1;
        else if (text[j] === '}') depth -= 1;
      }
      const body = text.slice(i + 2, j - 1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([\s\S]*))?$/.exec(body);
      if (!m) throw new Error(`unsupported interpolation \${${body}}`);
      const value = env[m[1]!];
      const useDefault = m[2] === ':-' ? !value : m[2] === '-' ? value === undefined : false;
      out += useDefault ? interpolate(m[3] ?? '', env) : (value ?? '');
      i = j;
    } else {
      throw new Error(`bare $ at ${i}: write $$ or \${VAR}`);
    }
  }
  return out;
}

export type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
};
export type ComposeFile = { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

/** The file as written (merge keys resolved, no interpolation). */
export const composeAsWritten = (text = readRepoFile('docker-compose.yml')): ComposeFile =>
  parse(text, { merge: true }) as ComposeFile;

/** The file as `docker compose` sees it with `.env` = .env.example: parsed, then every value interpolated. */
export function composeResolved(
  text = readRepoFile('docker-compose.yml'),
  env = parseEnvFile(readRepoFile('.env.example')),
): ComposeFile {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return interpolate(node, env);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(composeAsWritten(text)) as ComposeFile;
}
