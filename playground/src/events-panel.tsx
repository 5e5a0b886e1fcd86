import { useEffect, useState } from 'react';
import type { ParleyClient, ParleyEvent } from '../../client/src';

/** The CloudEvents emitted so far (npm start's in-process bus), polled once a second. */
export function EventsPanel({ client }: { client: ParleyClient }) {
  const [events, setEvents] = useState<ParleyEvent[]>([]);
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => {
    let next = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const page = await client.devEvents(next);
        next = page.next;
        if (page.events.length) setEvents((old) => [...old, ...page.events]);
        setUnavailable(false);
      } catch {
        setUnavailable(true);
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
      <h2 id="events-title">CloudEvents emitted ({events.length})</h2>
      {unavailable && <p className="hint">No event feed: it exists under npm start with the in-process bus.</p>}
      <ol className="events" data-testid="events" aria-live="polite">
        {events.map((e, i) => (
          <li key={`${i}-${e.id}`} data-type={e.type}>
            <code>{e.type}</code>
            {e.sequence === undefined ? null : ` seq ${e.sequence}`}
            <br />
            <span className="hint">
              {e.source}
              {e.time === undefined ? null : ` · ${new Date(e.time).toLocaleTimeString()}`}
            </span>
          </li>
        ))}
      </ol>
    </aside>
  );
}
