/** A saved model or checkpoint on disk is missing or unreadable. */
export class ModelArtifactError extends Error {
  override readonly name = 'ModelArtifactError';
}
