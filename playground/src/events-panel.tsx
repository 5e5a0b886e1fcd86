import { useEffect, useRef, useState } from 'react';
import { ParleyApiError, type ParleyClient, type ParleyEvent } from '../../client/src';

/**
 * This player's CloudEvents (npm start's in-process bus), newest first, each with its payload;
 * polled once a second. The poll doubles as the page's heartbeat: `onReachable(false)` when the
 * server does not answer at all, `true` again once it does.
 */
export function EventsPanel({ client, onReachable }: { client: ParleyClient; onReachable: (up: boolean) => void }) {
  const [events, setEvents] = useState<ParleyEvent[]>([]);
  const [feed, setFeed] = useState<'ok' | 'absent' | 'down'>('ok');
  const reachable = useRef(onReachable);
  reachable.current = onReachable;
  useEffect(() => {
    let next = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const page = await client.devEvents(next);
        next = page.next;
        if (page.events.length) setEvents((old) => [...page.events.slice().reverse(), ...old]);
        setFeed('ok');
        reachable.current(true);
      } catch (err) {
        // A 404 is a server without the dev feed (AMQP_URL or K_SINK set); no answer at all is a server down.
        const answered = err instanceof ParleyApiError && err.status > 0;
        setFeed(answered ? 'absent' : 'down');
        reachable.current(answered);
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client]);
  return (
    <aside aria-labelledby="events-title">
      <h2 id="events-title">Your CloudEvents, newest first ({events.length})</h2>
      {feed === 'absent' && (
        <p className="hint">
          No event feed: it exists under npm start with the in-process bus (no AMQP_URL or K_SINK).
        </p>
      )}
      {feed === 'down' && (
        <p className="hint" data-testid="events-down">
          Server down: no answer from Parley; retrying every second.
        </p>
      )}
      <ol className="events" data-testid="events" aria-live="polite">
        {events.map((e) => (
          <li key={e.id} data-type={e.type}>
            <details>
              <summary>
                <code>{e.type}</code>
                {e.sequence === undefined ? null : ` seq ${Number(e.sequence)}`}
                <span className="hint">
                  {' '}
                  · {e.source}
                  {e.time === undefined ? null : ` · ${new Date(e.time).toLocaleTimeString()}`}
                </span>
              </summary>
              <pre data-testid="event-data">{JSON.stringify(e.data, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </aside>
  );
}
