/** Codes of ledger failures, stable for the server's error mapping. */
export type LedgerErrorCode = 'ledger_unavailable' | 'duplicate_record' | 'invalid_record';

export class LedgerError extends Error {
  constructor(readonly code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

/**
 * The record could not be committed (database unreachable, full, read-only,
 * schema missing, queue full, ledger closed). Nothing was logged: the caller
 * must fail closed (HTTP 503) and not hand out the decision.
 */
export class LedgerUnavailableError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ledger_unavailable', message, options);
    this.name = 'LedgerUnavailableError';
  }
}

/** A record with this id is already in the ledger (or queued). */
export class DuplicateRecordError extends LedgerError {
  constructor(readonly id: string) {
    super('duplicate_record', `a record with id ${id} is already in the ledger`);
    this.name = 'DuplicateRecordError';
  }
}

/** The record itself is unusable (bad id, bad timestamp, non-JSON data). */
export class InvalidRecordError extends LedgerError {
  constructor(message: string) {
    super('invalid_record', message);
    this.name = 'InvalidRecordError';
  }
}

export function isLedgerError(err: unknown): err is LedgerError {
  return err instanceof LedgerError;
}
