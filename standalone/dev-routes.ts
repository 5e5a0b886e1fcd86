import express, { Router } from 'express';
import { API_ROUTES } from '../shared/src/api/api-routes';
import { DevEventsQuerySchema } from '../shared/src/api/api-schemas';
import { parseInput } from '../shared/src/http/validate';
import type { InProcessEventBus } from '../shared/src/adapters/in-process-event-bus';
import type { ParleyEvent } from '../shared/src/domain/events';

/** How many events the dev window keeps; older ones fall off (positions keep counting). */
const KEPT_EVENTS = 1000;

/**
 * `GET /v1/dev/events?after=N` (npm start only): the CloudEvents the in-process bus carried, from
 * position N on, for the playground's side panel. Polled: simple, and no connection stays open.
 */
export function devEventsRoute(bus: InProcessEventBus): Router {
  const kept: ParleyEvent[] = [];
  let dropped = 0;
  bus.subscribe(async (event) => {
    kept.push(event);
    if (kept.length > KEPT_EVENTS) {
      kept.shift();
      dropped++;
    }
  });
  const router = Router();
  router.get(API_ROUTES.devEvents.path, (req, res) => {
    const { after } = parseInput(DevEventsQuerySchema, { ...(req.query as object) }, 'query');
    const from = Math.max(0, after - dropped);
    res.json({ events: kept.slice(from), next: dropped + kept.length });
  });
  return router;
}

/** The playground page (dist/playground, built by scripts/build.mjs) at `/`. */
export function playgroundRoute(dir: string): Router {
  const router = Router();
  router.use(express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  return router;
}
