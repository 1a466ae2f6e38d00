/**
 * Where measured model footprints are remembered between loads (and, with a persistent
 * implementation, between restarts), so the next reservation is the real size rather
 * than the adapter's estimate. Keyed by the id of the variant that was loaded.
 */
export interface FootprintStore {
  get(modelId: string): number | undefined;
  set(modelId: string, bytes: number): void;
}

/** A {@link FootprintStore} that forgets everything on restart. */
export class InMemoryFootprintStore implements FootprintStore {
  private readonly bytes = new Map<string, number>();

  get(modelId: string): number | undefined {
    return this.bytes.get(modelId);
  }

  set(modelId: string, bytes: number): void {
    this.bytes.set(modelId, bytes);
  }
}
