/**
 * Everything the benchmark starts (database cluster, stack, wrangler) registers how to stop it
 * here, so a normal exit, a thrown error and Ctrl-C all leave nothing running behind.
 */
type Closer = () => Promise<void>;

export class Cleanup {
  private readonly closers: Array<{ name: string; close: Closer }> = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  /** Registers a closer; the returned function runs it now and unregisters it (for a normal stop). */
  add(name: string, close: Closer): () => Promise<void> {
    const entry = { name, close };
    this.closers.push(entry);
    return async () => {
      const index = this.closers.indexOf(entry);
      if (index === -1) return;
      this.closers.splice(index, 1);
      await this.closeOne(entry);
    };
  }

  /** Stops everything, last started first; runs once even if called again (signal during exit). */
  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.closers.length > 0) await this.closeOne(this.closers.pop()!);
    })();
    return this.running;
  }

  private async closeOne(entry: { name: string; close: Closer }): Promise<void> {
    try {
      await entry.close();
    } catch (error) {
      // Keep going: one stuck piece must not leave the others running.
      this.log(`could not stop ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Ctrl-C / SIGTERM: clean up, then exit 130; a second signal exits at once. */
export function stopOnSignals(cleanup: Cleanup, log: (line: string) => void): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping everything the benchmark started ...`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
