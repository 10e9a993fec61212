// Typed errors raised at the project's boundaries. Each carries a namespaced code so callers and logs can
// tell them apart without matching on message text.

export type ErrorCode =
  | 'sh_config_invalid'
  | 'sh_capture_invalid'
  | 'sh_capture_conflict'
  | 'sh_queue_unavailable'
  | 'sh_model_invalid'
  | 'sh_layout_mismatch'
  | 'sh_capture_busy'
  | 'sh_root_not_stored'
  | 'sh_service_unreachable';

export class SupportHistoryError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A missing or malformed setting. The message is one line naming the variable. */
export class ConfigError extends SupportHistoryError {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super('sh_config_invalid', `${variable} ${problem}`);
    this.variable = variable;
  }
}

/** A CapturedMessage that cannot be stored as given. `problems` lists every field at fault. */
export class CaptureValidationError extends SupportHistoryError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('sh_capture_invalid', `invalid captured message: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The queue (Redis) could not take a job; the data it concerns is safe in MongoDB. */
export class QueueUnavailableError extends SupportHistoryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('sh_queue_unavailable', message, options);
  }
}

/** A needs model or taxonomy file that cannot be used. */
export class ModelError extends SupportHistoryError {
  constructor(message: string) {
    super('sh_model_invalid', message);
  }
}

/** The stored read models are laid out in another number of partitions than READ_MODEL_PARTITIONS asks. */
export class LayoutMismatchError extends SupportHistoryError {
  constructor(message: string) {
    super('sh_layout_mismatch', message);
  }
}

/**
 * A thread reply whose root is not stored yet waits a little for it (src/capture/place.ts): its tag job fails
 * with this and BullMQ retries it after its backoff. Expected, so it is logged at debug level only.
 */
export class RootNotStoredYetError extends SupportHistoryError {
  constructor(readonly messageKey: string) {
    super('sh_root_not_stored', `thread reply ${messageKey} waits for its root to be stored`);
  }
}

/** Capture is at its in-flight and queue limits: the event is refused now, to be redelivered (nothing stored). */
export class CaptureBusyError extends SupportHistoryError {
  constructor(running: number, waiting: number) {
    super('sh_capture_busy', `capture is busy (${running} running, ${waiting} waiting); deliver the event again later`);
  }
}

/** MongoDB or Redis did not answer. The message is one line naming the service, its address and its variable. */
export class ServiceUnreachableError extends SupportHistoryError {
  constructor(
    readonly service: 'MongoDB' | 'Redis',
    /** The address with any password hidden. */
    readonly address: string,
    readonly variable: 'MONGO_URL' | 'REDIS_URL',
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('sh_service_unreachable', `cannot reach ${service} at ${address} (${variable}): ${reason}`, options);
  }
}
