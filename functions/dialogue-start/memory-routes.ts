import { Router, type Request, type RequestHandler } from 'express';
import {
  AddMemoryBodySchema,
  MemoryIdSchema,
  PatchMemoryBodySchema,
  PlayerIdSchema,
  SetRelationshipBodySchema,
  SlugSchema,
  StoreUnavailable,
  characterOf,
  parseInput,
  type CharacterMemory,
  type DialogueDeps,
} from '@parley/shared';
import { API_ROUTES, playerGuard, playerIdOf, requireGameServiceToken, type PlayerAccess } from '@parley/shared/http';

type Handler = (req: Request) => Promise<{ status?: number; body?: unknown }>;

/**
 * What characters keep of players. The player reads and forgets their own (bearer JWT); the game server
 * reads and writes any player's with GAME_SERVICE_TOKEN. A player can never write a memory.
 */
export function memoryRoutes(
  deps: DialogueDeps,
  options: { access: PlayerAccess; gameServiceToken: string | undefined },
): Router {
  const router = Router();
  const player = playerGuard(options.access);
  const game = [requireGameServiceToken(options.gameServiceToken, options.access.auth)];
  const memory = (): CharacterMemory => {
    // Every runtime builds one; a test app without it answers 503 rather than pretending to remember.
    if (!deps.memory) throw new StoreUnavailable('memory store not configured');
    return deps.memory;
  };
  const run =
    (handler: Handler, status: number): RequestHandler =>
    async (req, res, next) => {
      try {
        const answer = await handler(req);
        if (answer.body === undefined) res.status(answer.status ?? status).end();
        else res.status(answer.status ?? status).json(answer.body);
      } catch (err) {
        next(err);
      }
    };
  const characterParam = (req: Request) =>
    characterOf(deps.catalog, parseInput(SlugSchema, req.params.characterId, 'character id'));
  const playerParam = (req: Request) => parseInput(PlayerIdSchema, req.params.playerId, 'player id');
  const memoryParam = (req: Request) => parseInput(MemoryIdSchema, req.params.memoryId, 'memory id');

  router.get(
    API_ROUTES.getMyMemory.path,
    ...player,
    run(
      async (req) => ({ body: await memory().read(playerIdOf(req), characterParam(req).id) }),
      API_ROUTES.getMyMemory.status,
    ),
  );
  router.delete(
    API_ROUTES.forgetMyMemory.path,
    ...player,
    run(
      async (req) => ({
        body: { forgotten: (await memory().forget(playerIdOf(req), [characterParam(req).id])).characters },
      }),
      API_ROUTES.forgetMyMemory.status,
    ),
  );
  router.delete(
    API_ROUTES.forgetMeEverywhere.path,
    ...player,
    run(
      async (req) => ({ body: { forgotten: (await memory().forget(playerIdOf(req))).characters } }),
      API_ROUTES.forgetMeEverywhere.status,
    ),
  );

  router.get(
    API_ROUTES.listPlayerMemories.path,
    ...game,
    run(
      async (req) => ({ body: await memory().read(playerParam(req), characterParam(req).id) }),
      API_ROUTES.listPlayerMemories.status,
    ),
  );
  router.post(
    API_ROUTES.addPlayerMemory.path,
    ...game,
    run(async (req) => {
      const [playerId, character] = [playerParam(req), characterParam(req)];
      const body = parseInput(AddMemoryBodySchema, req.body ?? {});
      return { body: { memory: await memory().add(playerId, character, body) } };
    }, API_ROUTES.addPlayerMemory.status),
  );
  router.patch(
    API_ROUTES.patchPlayerMemory.path,
    ...game,
    run(async (req) => {
      const [playerId, character, memoryId] = [playerParam(req), characterParam(req), memoryParam(req)];
      const body = parseInput(PatchMemoryBodySchema, req.body ?? {});
      return { body: { memory: await memory().patch(playerId, character.id, memoryId, body) } };
    }, API_ROUTES.patchPlayerMemory.status),
  );
  router.delete(
    API_ROUTES.deletePlayerMemory.path,
    ...game,
    run(async (req) => {
      await memory().remove(playerParam(req), characterParam(req).id, memoryParam(req));
      return {};
    }, API_ROUTES.deletePlayerMemory.status),
  );
  router.put(
    API_ROUTES.setPlayerRelationship.path,
    ...game,
    run(async (req) => {
      const [playerId, character] = [playerParam(req), characterParam(req)];
      const body = parseInput(SetRelationshipBodySchema, req.body ?? {});
      return { body: { relationship: await memory().setOpinion(playerId, character.id, body.opinion) } };
    }, API_ROUTES.setPlayerRelationship.status),
  );
  return router;
}
