/** Which listener of a service's load balancer answered: production (`listen`) or test (`testListen`). */
export type Listener = 'production' | 'test';

/** Requests answered per image tag, per listener. */
export type ServedTags = Record<Listener, Record<string, number>>;

/**
 * What every load balancer served, by the image tag of the task that answered (not the tag its
 * server reports: a `reports` fault lies in the header, not here). It is the proof a gate needs:
 * which SHAs a service's production listener ever served.
 */
export class TrafficLog {
  private readonly services = new Map<string, ServedTags>();

  record(service: string, listener: Listener, tag: string): void {
    let served = this.services.get(service);
    if (!served) {
      served = { production: {}, test: {} };
      this.services.set(service, served);
    }
    served[listener][tag] = (served[listener][tag] ?? 0) + 1;
  }

  snapshot(): Record<string, ServedTags> {
    return Object.fromEntries(
      [...this.services].map(([name, served]) => [
        name,
        { production: { ...served.production }, test: { ...served.test } },
      ]),
    );
  }

  reset(): void {
    this.services.clear();
  }
}
