import type { Request } from 'express';
import { PlayerIdSchema } from '../domain/dialogue';
import { parseInput } from './validate';

/**
 * Who is calling. With AUTH_MODE=none (local play) the game may name the player in `X-Player-Id`;
 * without it every caller is the same anonymous player.
 */
export function playerIdOf(req: Request): string {
  const header = req.header('x-player-id');
  if (header === undefined) return 'anonymous';
  return parseInput(PlayerIdSchema, header, 'X-Player-Id header');
}
