// The external-Redis components: rendered on the base instead of in-cluster-redis, their objects validate
// against the real schemas, and the ConfigMap they leave is a valid Redis mode for every function.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readConfig, redisTargetFromConfig, subscriberConfigSchema } from '@parley/shared';
import { describeErrors, k8sValidator, kubectlAvailable, renderKustomization, schemaFileName } from './deploy-files';

const knative = path.join(__dirname, '..', '..', 'knative');

(kubectlAvailable() ? describe : describe.skip)('external Redis components', () => {
  it.each([
    ['external-redis-cluster', 'cluster'],
    ['external-redis-sentinel', 'sentinel'],
  ])('%s renders a %s configuration every function reads', (component, mode) => {
    // kustomize reads only below the kustomization's folder: a throwaway overlay inside knative/.
    const dir = mkdtempSync(path.join(knative, '.test-overlay-'));
    try {
      writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\ncomponents: [../components/${component}]\n`,
      );
      const objects = renderKustomization(path.basename(dir));
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'parley-config') as unknown as {
        data: Record<string, string>;
      };
      expect(redisTargetFromConfig(readConfig(subscriberConfigSchema('q'), config.data))).toMatchObject({
        mode,
        waitReplicas: 1,
      });
      const services = objects.filter(
        (o) =>
          o.kind === 'Service' &&
          o.apiVersion === 'serving.knative.dev/v1' &&
          (o.metadata as { labels?: Record<string, string> }).labels?.['parley.dev/function'] !== undefined,
      );
      expect(services.length).toBeGreaterThan(0);
      for (const service of services) {
        expect(JSON.stringify(service)).toContain('"secretRef":{"name":"parley-redis","optional":true}');
      }
      const validatorFor = k8sValidator('strict');
      for (const o of [config, ...services] as unknown as Parameters<typeof schemaFileName>[0][]) {
        const validate = validatorFor(schemaFileName(o));
        if (validate) expect(describeErrors(validate(o))).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
