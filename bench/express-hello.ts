/**
 * The cold-start baseline of `npm run bench`: a bare Node + express process that answers
 * `GET /readyz`, bundled like the functions (same esbuild options) and started the same way.
 */
import express from 'express';

const app = express();
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
const server = app.listen(Number(process.env.PORT ?? 8091), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
