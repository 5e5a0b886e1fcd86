/**
 * Every failure the product knows by name. Each carries a machine-readable `code` and the HTTP
 * status it means; `http/error-middleware.ts` is the one place that turns them into responses.
 */
export class ParleyError extends Error {
  readonly status: number = 500;
  readonly code: string = 'Internal';
  /** True when the same request may succeed later (store or AI down). */
  readonly retryable: boolean = false;
  readonly details?: unknown;
  /** What an upstream server said (an AI endpoint's error text): for the log and analytics, never in an answer. */
  readonly upstream?: string;
  /** When to try again, in seconds: becomes the `Retry-After` header. */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    options: { cause?: unknown; details?: unknown; upstream?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    if (options.upstream !== undefined) this.upstream = options.upstream;
    if (options.retryAfterSeconds !== undefined)
      this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

export class BadRequest extends ParleyError {
  override readonly status = 400;
  override readonly code = 'BadRequest';
}
export class Unauthorized extends ParleyError {
  override readonly status = 401;
  override readonly code = 'Unauthorized';
}
export class Forbidden extends ParleyError {
  override readonly status = 403;
  override readonly code = 'Forbidden';
}
export class NotFound extends ParleyError {
  override readonly status = 404;
  override readonly code: string = 'NotFound';
}
export class DialogueNotFound extends NotFound {
  override readonly code = 'DialogueNotFound';
}
export class CharacterNotFound extends NotFound {
  override readonly code = 'CharacterNotFound';
}
export class UnknownTask extends NotFound {
  override readonly code = 'UnknownTask';
}
export class DialogueEnded extends ParleyError {
  override readonly status = 409;
  override readonly code = 'DialogueEnded';
}
/** Another turn of the dialogue holds it: try again in a second (`Retry-After: 1` unless told otherwise). */
export class TurnInFlight extends ParleyError {
  override readonly status = 409;
  override readonly code = 'TurnInFlight';
  override readonly retryable = true;
  constructor(message: string, options: { cause?: unknown; details?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { retryAfterSeconds: 1, ...options });
  }
}
export class VersionConflict extends ParleyError {
  override readonly status = 409;
  override readonly code = 'VersionConflict';
  override readonly retryable = true;
}
/** Every memory slot of a player x character holds a pinned (or more important) memory. */
export class MemoryFull extends ParleyError {
  override readonly status = 409;
  override readonly code = 'MemoryFull';
}
export class MemoryNotFound extends NotFound {
  override readonly code = 'MemoryNotFound';
}
export class PayloadTooLarge extends ParleyError {
  override readonly status = 413;
  override readonly code = 'PayloadTooLarge';
}
export class UnsupportedMediaType extends ParleyError {
  override readonly status = 415;
  override readonly code = 'UnsupportedMediaType';
}
export class Unprocessable extends ParleyError {
  override readonly status = 422;
  override readonly code: string = 'Unprocessable';
}
export class InvalidGoal extends Unprocessable {
  override readonly code = 'InvalidGoal';
}
export class InvalidStrategy extends Unprocessable {
  override readonly code = 'InvalidStrategy';
}
/** A `messageId` already used for a different turn: the key names one request, as payment APIs' idempotency keys do. */
export class IdempotencyKeyReused extends Unprocessable {
  override readonly code = 'IdempotencyKeyReused';
}
export class InvalidOption extends Unprocessable {
  override readonly code = 'InvalidOption';
}
/** Too many requests from one player or address; `retryAfterSeconds` becomes the Retry-After header. */
export class RateLimited extends ParleyError {
  override readonly status = 429;
  override readonly code = 'RateLimited';
  override readonly retryable = true;
  declare readonly retryAfterSeconds: number;
  constructor(message: string, options: { retryAfterSeconds: number; cause?: unknown }) {
    super(message, options);
  }
}
/** The player already holds as many live dialogues as allowed; ending one frees a slot. */
export class TooManyDialogues extends ParleyError {
  override readonly status = 429;
  override readonly code = 'TooManyDialogues';
}
/** The identity service (JWKS) did not answer: not the caller's fault, try again. */
export class AuthUnavailable extends ParleyError {
  override readonly status = 503;
  override readonly code = 'AuthUnavailable';
  override readonly retryable = true;
}
/** `details.reason` of an `AiFailed` whose prompt did not fit the model's context window. */
export const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded';
export class AiFailed extends ParleyError {
  override readonly status = 502;
  override readonly code = 'AiFailed';
  override readonly retryable = true;
}
export class AiUnavailable extends ParleyError {
  override readonly status = 503;
  override readonly code = 'AiUnavailable';
  override readonly retryable = true;
}
export class StoreUnavailable extends ParleyError {
  override readonly status = 503;
  override readonly code = 'StoreUnavailable';
  override readonly retryable = true;
}
export class AiTimeout extends ParleyError {
  override readonly status = 504;
  override readonly code = 'AiTimeout';
  override readonly retryable = true;
}
/** The caller went away; nothing to answer, nothing applied. */
export class Aborted extends ParleyError {
  override readonly status = 499;
  override readonly code = 'Aborted';
}

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

export function errorBody(err: ParleyError): ErrorBody {
  return {
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  };
}
