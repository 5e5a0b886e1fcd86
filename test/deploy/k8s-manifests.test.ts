// Every rendered manifest validates against the real resource schemas (../shared/k8s-schemas), in
// their default and strict/ forms; the planted-error fixtures must fail that same validation.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OVERLAYS,
  describeErrors,
  k8sValidator,
  kubectlAvailable,
  parseManifests,
  renderKustomization,
  schemaFileName,
  schemasDir,
  type K8sObject,
} from './deploy-files';

const haveSchemas = existsSync(schemasDir);
const haveKubectl = kubectlAvailable();
if (!haveSchemas)
  console.warn(`k8s schema validation SKIPPED: ${schemasDir} is absent (see its README for what it holds)`);
if (!haveKubectl)
  console.warn('kustomize rendering SKIPPED: kubectl is not installed (Debian: apt-get install kubernetes-client)');

// No schema was vendored for Namespace; its fields are checked by hand below.
const WITHOUT_SCHEMA = new Set(['v1/Namespace']);

function checkNamespace(o: K8sObject): string[] {
  const extra = Object.keys(o).filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k));
  return extra.length === 0 ? [] : [`unexpected fields ${extra.join(', ')}`];
}

function failures(objects: K8sObject[], variant: 'default' | 'strict'): string[] {
  const validatorFor = k8sValidator(variant);
  return objects.flatMap((o) => {
    const where = `${o.apiVersion} ${o.kind} ${o.metadata.name}`;
    if (WITHOUT_SCHEMA.has(`${o.apiVersion}/${o.kind}`)) return checkNamespace(o).map((e) => `${where}: ${e}`);
    const validate = validatorFor(schemaFileName(o));
    if (!validate) return [`${where}: no schema ${schemaFileName(o)} in ${schemasDir}`];
    return describeErrors(validate(o)).map((e) => `${where}: ${e}`);
  });
}

(haveKubectl ? describe : describe.skip)('kubectl kustomize', () => {
  it.each(OVERLAYS)('renders overlays/%s with every kind the platform needs', (overlay) => {
    const kinds = new Set(renderKustomization(`overlays/${overlay}`).map((o) => `${o.apiVersion}/${o.kind}`));
    for (const kind of [
      'serving.knative.dev/v1/Service',
      'eventing.knative.dev/v1/Broker',
      'eventing.knative.dev/v1/Trigger',
      'eventing.knative.dev/v1alpha1/RabbitmqBrokerConfig',
      'rabbitmq.com/v1beta1/RabbitmqCluster',
      'sources.knative.dev/v1/SinkBinding',
      'apps/v1/StatefulSet',
      'apps/v1/Deployment',
      'v1/ConfigMap',
      'v1/Service',
    ]) {
      expect(kinds).toContain(kind);
    }
  });
});

(haveSchemas && haveKubectl ? describe : describe.skip)('resource schemas', () => {
  describe.each(['default', 'strict'] as const)('%s schemas', (variant) => {
    it.each(OVERLAYS)(`every object of overlays/%s validates`, (overlay) => {
      expect(failures(renderKustomization(`overlays/${overlay}`), variant)).toEqual([]);
    });
  });

  // Each fixture holds one planted error; the rest of it is valid, so exactly that error must show.
  const fixture = (name: string) => parseManifests(readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));
  it.each([
    [
      'knative-service-string-concurrency.yaml',
      'default',
      'serving.knative.dev/v1 Service dialogue-start: /spec/template/spec/containerConcurrency must be integer',
    ],
    [
      'trigger-string-retry.yaml',
      'default',
      'eventing.knative.dev/v1 Trigger dialogue-log--dialogue-progress: /spec/delivery/retry must be integer',
    ],
    [
      'trigger-unknown-field.yaml',
      'strict',
      'eventing.knative.dev/v1 Trigger dialogue-log--dialogue-initiate: /spec/subscriber/ref must NOT have additional properties (namesapce)',
    ],
  ] as const)('planted error in %s fails the %s schema', (name, variant, expected) => {
    expect(failures(fixture(name), variant)).toEqual([expected]);
  });

  it('the misspelled field passes the default schema: only strict/ catches it', () => {
    expect(failures(fixture('trigger-unknown-field.yaml'), 'default')).toEqual([]);
  });
});
