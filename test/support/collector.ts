/** How many of the last values a timed-out wait shows. */
const LAST_VALUES_SHOWN = 12;

/**
 * Collects the values a subscription delivers and lets a test wait for a
 * condition on them: each new value or the end re-checks the waiters, so tests
 * wait on events, never on sleeps.
 */
export class Collector<T> {
  readonly values: T[] = [];
  errors: unknown[] = [];
  completed = false;
  private waiters: { check: () => boolean; resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }[] = [];

  push(value: T): void {
    this.values.push(value);
    this.notify();
  }

  fail(error: unknown): void {
    this.errors.push(error);
    this.completed = true;
    this.notify();
  }

  complete(): void {
    this.completed = true;
    this.notify();
  }

  /** Resolves once `predicate` holds for the values so far. */
  waitFor(predicate: (values: T[]) => boolean, { timeoutMs = 15_000, what = 'condition' } = {}): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      const check = () => predicate(this.values);
      if (check()) return resolve(this.values);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        reject(
          new Error(
            `timed out waiting for ${what}; got ${this.values.length} values, completed=${this.completed}, errors=${JSON.stringify(this.errors)}; ` +
              `the last ${LAST_VALUES_SHOWN}: ${JSON.stringify(this.values.slice(-LAST_VALUES_SHOWN)).slice(0, 4_000)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({ check, resolve: () => resolve(this.values), reject, timer });
    });
  }

  waitForCount(count: number, options?: { timeoutMs?: number }): Promise<T[]> {
    return this.waitFor((values) => values.length >= count, { ...options, what: `${count} values` });
  }

  /** Resolves when the subscription completes (or errors). */
  waitForCompletion(options?: { timeoutMs?: number }): Promise<T[]> {
    return this.waitFor(() => this.completed, { ...options, what: 'completion' });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check() || this.completed) {
        clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((other) => other !== waiter);
        if (waiter.check()) waiter.resolve();
        else waiter.reject(new Error(`subscription ended before the condition held; errors=${JSON.stringify(this.errors)}`));
      }
    }
  }
}
