import { createRoot } from 'react-dom/client';
import { createParleyClient } from '../../client/src';
import { Playground } from './playground';

// Served by Parley itself (npm start), so the API is on the same origin.
const client = createParleyClient({ baseUrl: '' });
createRoot(document.getElementById('root')!).render(<Playground client={client} />);
