// The code, deploy/functions.json, docker-compose.yml, knative/ and the scripts agree, read from the files
// themselves: functions, event types, ports, env names, images, routes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { EVENT_TYPES } from '@parley/shared';
import { API_ROUTES } from '@parley/shared/http';
import {
  composeAsWritten,
  functionFolders,
  functionTable,
  isFunctionService,
  knativeSpec,
  kubectlAvailable,
  readRepoFile,
  renderKustomization,
  repoRoot,
  type K8sObject,
} from './deploy-files';

const table = functionTable();
const functions = Object.keys(table.functions);
const folders = functionFolders();
const haveKubectl = kubectlAvailable();
const dev = () => renderKustomization('overlays/dev');
const prod = () => renderKustomization('overlays/prod');
const byKind = (objects: K8sObject[], apiVersion: string, kind: string) =>
  objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
const functionServices = (objects: K8sObject[]) => objects.filter(isFunctionService);

// The auth settings go to the dialogue functions and ai-generate (parley-ai-config and the Secret
// are shared by the four) whether or not a function's config reads them yet; never to subscribers.
const AUTH_VARS = ['AUTH_MODE', 'AUTH_JWT_SECRET'];

type Schema = z.ZodObject;
async function configSchemaOf(fn: string): Promise<Schema | null> {
  const file = path.join(repoRoot, 'functions', fn, 'config.ts');
  if (!existsSync(file)) return null;
  const mod = (await import(file)) as { ConfigSchema?: Schema };
  if (!mod.ConfigSchema) throw new Error(`functions/${fn}/config.ts does not export ConfigSchema`);
  return mod.ConfigSchema;
}

/** Env names a function may be given: what its config schema reads (plus auth, see AUTH_VARS). */
async function acceptedEnv(fn: string): Promise<Set<string>> {
  const schema = await configSchemaOf(fn);
  if (!schema) throw new Error(`functions/${fn}/config.ts is missing`);
  const names = new Set(Object.keys(schema.shape));
  if (table.functions[fn]?.subscriber !== true) AUTH_VARS.forEach((v) => names.add(v));
  return names;
}

/** For a function missing from this checkout (others may still be writing it), say so and skip. */
function eachFunction(
  title: string,
  body: (fn: string) => void | Promise<void>,
  needs: 'folder' | 'config' = 'folder',
) {
  for (const fn of functions) {
    const present =
      needs === 'folder' ? folders.includes(fn) : existsSync(path.join(repoRoot, 'functions', fn, 'config.ts'));
    if (present) it(`${fn}: ${title}`, async () => body(fn));
    else
      it.skip(`${fn}: ${title} (SKIPPED: functions/${fn}/${needs === 'folder' ? '' : 'config.ts'} does not exist yet)`, () =>
        undefined);
  }
}

describe('functions', () => {
  it('every function folder is in deploy/functions.json', () => {
    expect(folders.filter((f) => !functions.includes(f))).toEqual([]);
  });
  eachFunction('has a folder with a composition root', (fn) => {
    expect(existsSync(path.join(repoRoot, 'functions', fn, 'main.ts'))).toBe(true);
  });
  (haveKubectl ? it : it.skip)('every function, and nothing else, has a Knative Service in each overlay', () => {
    for (const objects of [dev(), prod()]) {
      const services = functionServices(objects);
      expect(services.map((s) => s.metadata.name).sort()).toEqual([...functions].sort());
      for (const s of services) expect(s.metadata.labels?.['parley.dev/function']).toBe(s.metadata.name);
    }
  });
  it('every function has a compose service', () => {
    const services = Object.keys(composeAsWritten().services);
    expect(functions.filter((fn) => !services.includes(fn))).toEqual([]);
  });
});

(haveKubectl ? describe : describe.skip)('events', () => {
  const subscribers = functions.filter((fn) => table.functions[fn]!.subscriber === true);

  it('each event type the code emits has a Trigger to each subscriber, and there are no others', () => {
    for (const objects of [dev(), prod()]) {
      const triggers = byKind(objects, 'eventing.knative.dev/v1', 'Trigger').map((t) => {
        const spec = t.spec as {
          broker: string;
          filter: { attributes: Record<string, string> };
          subscriber: { ref: { name: string } };
        };
        return `${spec.broker} ${spec.filter.attributes.type} -> ${spec.subscriber.ref.name}`;
      });
      const expected = EVENT_TYPES.flatMap((type) => subscribers.map((s) => `parley ${type} -> ${s}`));
      expect(triggers.sort()).toEqual(expected.sort());
    }
  });

  it('the subscribers are the log and analytics functions', () => {
    expect(subscribers.sort()).toEqual(['dialogue-analytics', 'dialogue-log']);
  });

  it('the Broker and every Trigger retry with backoff and dead-letter to a service that exists', () => {
    const objects = dev();
    const services = byKind(objects, 'serving.knative.dev/v1', 'Service').map((s) => s.metadata.name);
    for (const o of [
      ...byKind(objects, 'eventing.knative.dev/v1', 'Broker'),
      ...byKind(objects, 'eventing.knative.dev/v1', 'Trigger'),
    ]) {
      const delivery = (
        o.spec as { delivery?: { retry?: number; backoffPolicy?: string; deadLetterSink?: { ref?: { name: string } } } }
      ).delivery;
      expect(delivery?.retry).toBeGreaterThan(0);
      expect(delivery?.backoffPolicy).toBe('exponential');
      expect(services).toContain(delivery?.deadLetterSink?.ref?.name);
    }
  });

  it('the SinkBinding injects K_SINK into exactly the functions that emit events, pointing at the Broker', () => {
    const objects = dev();
    const [binding] = byKind(objects, 'sources.knative.dev/v1', 'SinkBinding');
    const spec = binding!.spec as {
      subject: { kind: string; selector: { matchLabels: Record<string, string> } };
      sink: { ref: { kind: string; name: string } };
    };
    const selected = byKind(objects, 'serving.knative.dev/v1', 'Service')
      .filter((s) => Object.entries(spec.subject.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v))
      .map((s) => s.metadata.name);
    expect(selected.sort()).toEqual(functions.filter((fn) => table.functions[fn]!.emitsEvents).sort());
    expect(spec.sink.ref).toMatchObject({
      kind: 'Broker',
      name: byKind(objects, 'eventing.knative.dev/v1', 'Broker')[0]!.metadata.name,
    });
  });
});

describe('ports', () => {
  eachFunction(
    'the code, Dockerfile, compose and Knative use the same port',
    async (fn) => {
      const schema = (await configSchemaOf(fn))!;
      const codePort = (schema.shape.PORT as z.ZodType).parse(undefined);
      expect(codePort).toBe(table.port);
      const dockerfile = readRepoFile('Dockerfile');
      expect(dockerfile).toContain(`EXPOSE ${table.port}\n`);
      expect(dockerfile).toMatch(new RegExp(`PORT=${table.port}\\b`));
      expect(composeAsWritten().services[fn]?.healthcheck?.test.join(' ')).toContain(
        `http://127.0.0.1:${table.port}/readyz`,
      );
      if (haveKubectl) {
        const ksvc = functionServices(dev()).find((s) => s.metadata.name === fn)!;
        expect(knativeSpec(ksvc).template.spec.containers[0]!.ports).toEqual([
          { name: 'http1', containerPort: table.port },
        ]);
      }
    },
    'config',
  );

  (haveKubectl ? it : it.skip)('probes point at the health routes every function serves', () => {
    const createApp = readRepoFile('shared/src/http/create-app.ts');
    for (const ksvc of functionServices(dev())) {
      const container = knativeSpec(ksvc).template.spec.containers[0]!;
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    }
    expect(createApp).toContain("app.get('/healthz'");
    expect(createApp).toContain("app.get('/readyz'");
  });
});

describe('env names', () => {
  eachFunction(
    'compose passes only variables its config reads',
    async (fn) => {
      const accepted = await acceptedEnv(fn);
      const given = Object.keys(composeAsWritten().services[fn]?.environment ?? {});
      expect(given.filter((name) => !accepted.has(name))).toEqual([]);
      expect(given).toEqual(expect.arrayContaining(['REDIS_URL', 'AMQP_URL']));
    },
    'config',
  );

  if (haveKubectl) {
    const secretKeys = [...readRepoFile('scripts/kind-up.sh').matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]!);
    const envOf = (objects: K8sObject[], fn: string): string[] => {
      const configMaps = byKind(objects, 'v1', 'ConfigMap');
      const container = knativeSpec(functionServices(objects).find((s) => s.metadata.name === fn)!).template.spec
        .containers[0]!;
      const fromRefs = (container.envFrom ?? []).flatMap((ref) => {
        if (ref.secretRef)
          return ref.secretRef.name === 'parley-secrets' ? secretKeys : [`<unknown secret ${ref.secretRef.name}>`];
        const cm = configMaps.find((c) => c.metadata.name === ref.configMapRef?.name);
        return cm ? Object.keys(cm.data ?? {}) : [`<missing ConfigMap ${ref.configMapRef?.name}>`];
      });
      const bound = table.functions[fn]!.emitsEvents ? ['K_SINK'] : [];
      return [...fromRefs, ...(container.env ?? []).map((e) => e.name), ...bound];
    };

    eachFunction(
      'Knative passes only variables its config reads, and the ones that make many replicas safe',
      async (fn) => {
        const accepted = await acceptedEnv(fn);
        for (const objects of [dev(), prod()]) {
          const given = envOf(objects, fn);
          expect(given.filter((name) => !accepted.has(name))).toEqual([]);
          // Shared state in Redis, never the in-memory store, once there can be two pods.
          expect(given).toContain('REDIS_URL');
          // Inside Knative events go to the Broker (K_SINK), not straight to RabbitMQ.
          expect(given).not.toContain('AMQP_URL');
          if (table.functions[fn]!.characters && fn !== 'ai-generate') expect(given).toContain('AI_URL');
        }
      },
      'config',
    );

    it('the Secret keys kind-up.sh creates are the ones docs/deploy.md tells the platform to create', () => {
      const docs = readRepoFile('docs/deploy.md');
      expect(secretKeys.sort()).toEqual(['AI_SERVICE_TOKEN', 'AUTH_JWT_SECRET', 'OPENAI_API_KEY']);
      for (const key of secretKeys) expect(docs).toContain(`--from-literal=${key}=`);
    });

    it('ai-generate and every function that calls it read AI_SERVICE_TOKEN from the same Secret', async () => {
      const callers = functions.filter((fn) => table.functions[fn]!.characters && fn !== 'ai-generate');
      expect(callers.length).toBeGreaterThan(0);
      for (const objects of [dev(), prod()]) {
        for (const fn of [...callers, 'ai-generate']) {
          const container = knativeSpec(functionServices(objects).find((s) => s.metadata.name === fn)!).template.spec
            .containers[0]!;
          // From the Secret only: a literal env entry or a ConfigMap value would differ between the two sides.
          expect((container.envFrom ?? []).filter((ref) => ref.secretRef?.name === 'parley-secrets')).toHaveLength(1);
          expect((container.env ?? []).map((e) => e.name)).not.toContain('AI_SERVICE_TOKEN');
          for (const cm of byKind(objects, 'v1', 'ConfigMap'))
            expect(Object.keys(cm.data ?? {})).not.toContain('AI_SERVICE_TOKEN');
          expect((await acceptedEnv(fn)).has('AI_SERVICE_TOKEN')).toBe(true);
        }
      }
    });

    it('in-cluster addresses name the namespace the manifests render into', () => {
      for (const objects of [dev(), prod()]) {
        const namespace = functionServices(objects)[0]!.metadata.namespace;
        const aiConfig = byKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'parley-ai-config')!;
        expect(aiConfig.data?.AI_URL).toBe(`http://ai-generate.${namespace}.svc.cluster.local`);
        const brokerConfig = byKind(objects, 'eventing.knative.dev/v1alpha1', 'RabbitmqBrokerConfig')[0]!;
        expect(
          (brokerConfig.spec as { rabbitmqClusterReference: { namespace: string; name: string } })
            .rabbitmqClusterReference,
        ).toEqual({
          namespace,
          name: byKind(objects, 'rabbitmq.com/v1beta1', 'RabbitmqCluster')[0]!.metadata.name,
        });
        const redisUrl = byKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'parley-config')!.data
          ?.REDIS_URL;
        const redisService = byKind(objects, 'v1', 'Service').find((s) => s.metadata.name === 'redis');
        expect(redisUrl).toBe(`redis://${redisService!.metadata.name}:6379`);
      }
    });
  }

  it('compose calls ai-generate at its compose address', () => {
    expect(composeAsWritten().services['dialogue-start']?.environment?.AI_URL).toBe(`http://ai-generate:${table.port}`);
  });
});

describe('images', () => {
  const pkgVersion = (JSON.parse(readRepoFile('package.json')) as { version: string }).version;

  it('compose names each image <prefix>/<function>:<tag> like scripts/build-images.sh', () => {
    const script = readRepoFile('scripts/build-images.sh');
    expect(script).toContain('prefix="${PARLEY_IMAGE_PREFIX:-parley}"');
    expect(script).toContain('tag="${PARLEY_IMAGE_TAG:-dev}"');
    expect(script).toContain('image="${prefix}/${fn}:${tag}"');
    for (const fn of functions) {
      expect(composeAsWritten().services[fn]?.image).toBe(
        `\${PARLEY_IMAGE_PREFIX:-parley}/${fn}:\${PARLEY_IMAGE_TAG:-dev}`,
      );
    }
  });

  (haveKubectl ? it : it.skip)(
    'base, dev and prod name the same images: kind-up loads what dev runs, prod runs the release',
    () => {
      const imageOf = (objects: K8sObject[], fn: string) =>
        knativeSpec(functionServices(objects).find((s) => s.metadata.name === fn)!).template.spec.containers[0]!.image;
      const kindUp = readRepoFile('scripts/kind-up.sh');
      const prefix = /^IMAGE_PREFIX="([^"]+)"$/m.exec(kindUp)?.[1];
      const tag = /^IMAGE_TAG="([^"]+)"$/m.exec(kindUp)?.[1];
      const prodImages = functions.map((fn) => imageOf(prod(), fn));
      const prodRegistry = prodImages[0]!.slice(0, prodImages[0]!.lastIndexOf('/'));
      for (const fn of functions) {
        expect(imageOf(renderKustomization('base'), fn)).toBe(`parley/${fn}`);
        expect(imageOf(dev(), fn)).toBe(`${prefix}/${fn}:${tag}`);
        expect(imageOf(prod(), fn)).toBe(`${prodRegistry}/${fn}:${pkgVersion}`);
      }
    },
  );

  it('the Dockerfile copies the character content into exactly the images that read it', () => {
    const dockerfile = readRepoFile('Dockerfile');
    expect(dockerfile).toContain("require('./deploy/functions.json').functions[process.argv[1]].characters");
    const readers = functions.filter((fn) => table.functions[fn]!.characters);
    expect(readers.sort()).toEqual(['ai-generate', 'dialogue-end', 'dialogue-message', 'dialogue-start']);
  });
});

describe('routes', () => {
  const routesInCode = (fn: string): string[] => {
    const dir = path.join(repoRoot, 'functions', fn);
    return (
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        // A route is registered by a literal path or from the API route table (`API_ROUTES.<name>.path`).
        .flatMap((f) => [
          ...readFileSync(path.join(dir, f), 'utf8').matchAll(
            /router\.(get|post|put|patch|delete)\(\s*(?:'([^']+)'|API_ROUTES\.(\w+)\.path)/g,
          ),
        ])
        .map((m) => `${m[1]!.toUpperCase()} ${m[2] ?? API_ROUTES[m[3] as keyof typeof API_ROUTES].path}`)
        .sort()
    );
  };

  eachFunction('the routes its code serves are the ones the table (and so the gateway) lists', (fn) => {
    const entry = table.functions[fn]!;
    const listed = [...entry.routes, ...(entry.internalRoutes ?? [])].map((r) => `${r.method} ${r.path}`).sort();
    expect(routesInCode(fn)).toEqual(listed);
  });

  (haveKubectl ? it : it.skip)(
    'every function is cluster-local: players reach the frontend routes through the gateway only',
    () => {
      for (const ksvc of functionServices(dev())) {
        expect([ksvc.metadata.name, ksvc.metadata.labels?.['networking.knative.dev/visibility']]).toEqual([
          ksvc.metadata.name,
          'cluster-local',
        ]);
      }
    },
  );
});
