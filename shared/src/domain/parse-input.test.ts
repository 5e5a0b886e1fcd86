import { z } from 'zod';
import { BadRequest } from './errors';
import { parsedWith, parseInput } from './parse-input';

const Point = z.object({ x: z.number(), y: z.number() });

describe('parseInput', () => {
  it('returns the parsed value and answers a bad one with a 400 naming the field', () => {
    expect(parseInput(Point, { x: 1, y: 2, z: 3 })).toEqual({ x: 1, y: 2 });
    expect(() => parseInput(Point, { x: 1, y: 'no' }, 'input')).toThrow(BadRequest);
    expect(() => parseInput(Point, { x: 1, y: 'no' }, 'input')).toThrow(/invalid input: y: /);
  });
});

describe('parsedWith', () => {
  it('knows the objects parseInput returned, for that schema only', () => {
    const raw = { x: 1, y: 2 };
    const parsed = parseInput(Point, raw);
    expect(parsedWith(Point, parsed)).toBe(true);
    expect(parsedWith(Point, raw)).toBe(false);
    expect(parsedWith(z.object({ x: z.number() }), parsed)).toBe(false);
    expect(parsedWith(Point, { x: 1, y: 2 })).toBe(false);
    expect(parsedWith(Point, null)).toBe(false);
    expect(parsedWith(z.string(), parseInput(z.string(), 'a'))).toBe(false);
  });
});
