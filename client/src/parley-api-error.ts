/**
 * A failure the server reported (`{ error: { code, message, details? } }`, as an HTTP status or as
 * a stream's `error` event), or a stream that ended before its `done` event (status 0).
 */
export class ParleyApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  /** Seconds, from `Retry-After` (429, 502/503/504). */
  readonly retryAfter?: number;

  constructor(fields: { status: number; code: string; message: string; details?: unknown; retryAfter?: number }) {
    super(fields.message);
    this.name = 'ParleyApiError';
    this.status = fields.status;
    this.code = fields.code;
    if (fields.details !== undefined) this.details = fields.details;
    if (fields.retryAfter !== undefined) this.retryAfter = fields.retryAfter;
  }

  /** True when the same request may succeed later. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 502 || this.code === 'TurnInFlight';
  }
}

/** Builds the error from a non-2xx response; a body that is not Parley's error shape still gives a status. */
export async function errorFromResponse(res: Response): Promise<ParleyApiError> {
  const retryAfterHeader = res.headers.get('retry-after');
  const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  return new ParleyApiError({
    status: res.status,
    code: typeof error?.code === 'string' ? error.code : `Http${res.status}`,
    message: typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`,
    details: error?.details,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}
