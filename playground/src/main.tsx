import { createRoot } from 'react-dom/client';
import { createParleyClient } from '../../client/src';
import { browserSession } from './browser-session';
import { Playground } from './playground';

// Served by Parley itself (npm start), so the API is on the same origin. Each browser plays as its
// own player (X-Player-Id, which npm start accepts without authentication).
const session = browserSession(window.localStorage);
const client = createParleyClient({ baseUrl: '', playerId: session.playerId });
createRoot(document.getElementById('root')!).render(<Playground client={client} session={session} />);
