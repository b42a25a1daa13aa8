/**
 * Every timer the sandbox sets goes through one of these, so `close()` can cancel them all and
 * none of them keeps the process alive (they are unref'd).
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  after(seconds: number, callback: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        if (!this.closed) callback();
      },
      Math.max(0, seconds * 1000),
    );
    timer.unref();
    this.pending.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
