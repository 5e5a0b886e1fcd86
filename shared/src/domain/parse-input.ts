import type { z } from 'zod';
import { BadRequest } from './errors';

/** Objects `parseInput` returned, with the schema that made them (weakly held: nothing is kept alive). */
const madeBy = new WeakMap<object, z.ZodType>();

/** Parse outside input with a zod schema; a failure is a 400 that says which field and why. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) {
    if (typeof parsed.data === 'object' && parsed.data !== null) madeBy.set(parsed.data, schema);
    return parsed.data;
  }
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0]!;
  throw new BadRequest(`invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`, {
    details: { issues },
  });
}

/**
 * Whether `value` is an object `parseInput(schema, ...)` returned, so a second layer (a route that
 * checked the body to answer 400 early, then the service it hands it to) need not parse it again.
 * It trusts that nobody changed the object in between, as our handlers never do.
 */
export function parsedWith(schema: z.ZodType, value: unknown): boolean {
  return typeof value === 'object' && value !== null && madeBy.get(value) === schema;
}
