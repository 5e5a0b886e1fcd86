import express, { Router } from 'express';
import { API_ROUTES, DevEventsQuerySchema, authenticate, type Authenticator, playerIdOf } from '@parley/shared/http';
import { parseInput, type ParleyEvent } from '@parley/shared';
import type { InProcessEventBus } from '@parley/shared/composition';

/** How many events the dev window keeps; older ones fall off (positions keep counting). */
const KEPT_EVENTS = 1000;

/** The dialogue an event is about: `data.dialogueId` (every dialogue event, AI calls made for one). */
function dialogueOf(event: ParleyEvent): string | undefined {
  const id = (event.data as { dialogueId?: unknown } | undefined)?.dialogueId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * `GET /v1/dev/events?after=N` (npm start only): the CloudEvents the in-process bus carried about the
 * calling player's dialogues, from position N on, for the playground's side panel. An event belongs
 * to the player whose `dialogue.initiate` named its dialogue; events of no dialogue are not listed.
 * Polled: simple, and no connection stays open. Authenticated like the player routes, never rate
 * limited (a local feed polled every second would eat the player's budget).
 */
export function devEventsRoute(bus: InProcessEventBus, auth: Authenticator): Router {
  const kept: ParleyEvent[] = [];
  const ownerOf = new Map<string, string>();
  let dropped = 0;
  bus.subscribe(async (event) => {
    const dialogueId = dialogueOf(event);
    const initiator = (event.data as { playerId?: unknown } | undefined)?.playerId;
    if (event.type === 'dialogue.initiate' && dialogueId && typeof initiator === 'string')
      ownerOf.set(dialogueId, initiator);
    kept.push(event);
    if (kept.length > KEPT_EVENTS) {
      const gone = kept.shift();
      dropped++;
      if (gone?.type === 'dialogue.resolve') ownerOf.delete(dialogueOf(gone) ?? '');
    }
  });
  const router = Router();
  router.get(API_ROUTES.devEvents.path, authenticate(auth), (req, res) => {
    const { after } = parseInput(DevEventsQuerySchema, { ...(req.query as object) }, 'query');
    const playerId = playerIdOf(req);
    const from = Math.max(0, after - dropped);
    // Owners are looked up now: an AI call's event may be published before its dialogue's initiate.
    const events = kept.slice(from).filter((e) => ownerOf.get(dialogueOf(e) ?? '') === playerId);
    res.json({ events, next: dropped + kept.length });
  });
  return router;
}

/** The playground page (dist/playground, built by scripts/build.mjs) at `/`. */
export function playgroundRoute(dir: string): Router {
  const router = Router();
  router.use(express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  return router;
}
