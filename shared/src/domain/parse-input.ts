import type { z } from 'zod';
import { BadRequest } from './errors';

/** Parse outside input with a zod schema; a failure is a 400 that says which field and why. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0]!;
  throw new BadRequest(`invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`, {
    details: { issues },
  });
}
