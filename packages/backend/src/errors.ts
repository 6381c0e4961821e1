/** A compute backend that was asked for by name could not be started. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}
