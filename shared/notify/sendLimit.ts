/**
 * The mail service's quota, kept per instance: Azure Communication Services Email allows 30 mails a minute and
 * 100 an hour by default. A mail over the limit stays pending in its tenant's alarm state and goes out on a later run.
 */
export class SendLimit {
  private readonly sent: number[] = [];

  constructor(
    private readonly clock: () => Date,
    private readonly limits: { perMs: number; max: number }[] = [
      { perMs: 60_000, max: 30 },
      { perMs: 3_600_000, max: 100 },
    ],
  ) {}

  /** Counts a send now, or says no when it would exceed a limit. */
  take(): boolean {
    const now = this.clock().getTime();
    const horizon = Math.max(...this.limits.map((l) => l.perMs));
    while (this.sent.length && this.sent[0] <= now - horizon) this.sent.shift();
    if (this.limits.some((l) => this.sent.filter((t) => t > now - l.perMs).length >= l.max)) return false;
    this.sent.push(now);
    return true;
  }

  /** Gives back the last `take` when the service refused the mail (it did not count against its quota). */
  giveBack(): void {
    this.sent.pop();
  }
}
