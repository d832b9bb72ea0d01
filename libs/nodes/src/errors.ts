/**
 * Failures a node handler throws, classified where they arise. Each says whether running the
 * step again may help: `retryable` for application exceptions (timeouts, the network, a server's
 * 5xx, anything unclassified), which the workflow's retry policy and then the job's retry
 * schedule try again; not retryable for deterministic ones (invalid params, a missing or
 * ambiguous element), which fail the job at once (ADR 29). `code` is what `StepFailed.error.code`
 * carries.
 */
export abstract class NodeError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * No element matched the selector (or the image is not on the screen). Terminal: the page is
 * not what the workflow expects. Self-healing may propose another selector.
 */
export class ElementNotFoundError extends NodeError {
  readonly code: string = 'ELEMENT_NOT_FOUND';
  readonly retryable = false;

  constructor(
    /** The selector, or the image reference for desktop image searches. */
    readonly selector: string,
    /** Elements matching when the step gave up (0 here; more than one is `AmbiguousSelectorError`). */
    readonly matchCount: number,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? `No element matches "${selector}"`, options);
  }
}

/**
 * The selector matched several elements where the action needs exactly one. Deterministic: the
 * same page gives the same answer, so neither the step nor the job is retried; the workflow's
 * selector must say which element it means (or self-healing pick it). Not `ELEMENT_NOT_FOUND`:
 * the element may well be there, twice.
 */
export class AmbiguousSelectorError extends NodeError {
  readonly code = 'AMBIGUOUS_SELECTOR';
  readonly retryable = false;

  constructor(
    readonly selector: string,
    /** How many elements matched, more than one. */
    readonly matchCount: number,
    options?: { cause?: unknown; message?: string },
  ) {
    super(
      options?.message ?? `Selector "${selector}" matched ${matchCount} elements; expected exactly one`,
      options,
    );
  }
}

/** What a selector that did not match exactly one element means: missing (0) or ambiguous (> 1). */
export function selectorMismatch(
  selector: string,
  matchCount: number,
  options?: { cause?: unknown; message?: string },
): ElementNotFoundError | AmbiguousSelectorError {
  return matchCount > 1
    ? new AmbiguousSelectorError(selector, matchCount, options)
    : new ElementNotFoundError(selector, matchCount, options);
}

/**
 * The selector broke, a heal was found, and the step's policy is `heal-and-pause`: the
 * proposed heal is recorded and the job waits for an operator (`retry-step` applies it).
 * Terminal for the step; the robot parks the job instead of failing it.
 */
export class HealApprovalNeededError extends NodeError {
  readonly code = 'HEAL_NEEDS_APPROVAL';
  readonly retryable = false;

  constructor(
    readonly selector: string,
    readonly proposedSelector: string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(
      options?.message ?? `"${selector}" is broken; healed to "${proposedSelector}", waiting for approval`,
      options,
    );
  }
}

/** The step ran out of time (its timeout, a Playwright wait, an HTTP attempt). Retryable. */
export class NodeTimeoutError extends NodeError {
  readonly code = 'TIMEOUT';
  readonly retryable = true;
}

/**
 * The step's own time ran out while it waited with nothing to show for it: a page that never
 * loaded, a request never answered, within the time the step was given (`NodeContext.timeoutMs`).
 * The robot records it as a stall (ADR 82), whether it comes just before or just after its
 * watchdog's limit. A wait that ends with a finding (the element is not there, the image did not
 * appear within the node's own `timeoutMs`) is not this: it fails the step with that finding.
 */
export class StepTimeoutError extends NodeTimeoutError {}

/**
 * The step was aborted for another reason than its timeout (job cancelled, robot shutting
 * down). Retryable: the step did not fail, so a shutdown's step may run again elsewhere;
 * a cancelled job is not planned again whatever this says.
 */
export class NodeCancelledError extends NodeError {
  readonly code = 'CANCELLED';
  readonly retryable = true;
}

/**
 * A click kept landing beside its element: the page moved the element's frame under the pointer
 * each time. Retryable: the element never received the click, and a later try may find the page
 * settled; what the stray clicks hit on the page around the frame is not undone.
 */
export class ClickMissedError extends NodeError {
  readonly code = 'CLICK_MISSED';
  readonly retryable = true;
}

/** An HTTP request or page navigation failed. Retryable for 5xx, 429 and network errors; terminal for other 4xx. */
export class HttpError extends NodeError {
  readonly code = 'HTTP_ERROR';
  readonly retryable: boolean;

  constructor(
    message: string,
    /** The response status; `undefined` when no response arrived (network error). */
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = status === undefined || status >= 500 || status === 429;
  }
}

/** A path escapes the allowed folder, or the file cannot be read or written. Terminal. */
export class FileAccessError extends NodeError {
  readonly code = 'FILE_ACCESS';
  readonly retryable = false;
}

/** The params (or the data they point at) are not what the node accepts. Terminal. */
export class NodeParamsError extends NodeError {
  readonly code = 'INVALID_PARAMS';
  readonly retryable = false;
}

/** The robot has no handler for the step's node type (a robot older than the workflow). Terminal. */
export class NoHandlerError extends NodeError {
  readonly code = 'NO_HANDLER';
  readonly retryable = false;

  constructor(readonly nodeType: string) {
    super(`this robot has no handler for node type ${nodeType}`);
  }
}

/** Any thrown value as a node error: unknown failures are retryable, since the robot cannot tell. */
export function toNodeError(error: unknown): NodeError {
  if (error instanceof NodeError) return error;
  return new UnexpectedNodeError(error instanceof Error ? error.message : String(error), { cause: error });
}

/** A failure no handler classified (a bug, a crashed browser). Retryable. */
export class UnexpectedNodeError extends NodeError {
  readonly code = 'UNEXPECTED';
  readonly retryable = true;
}
