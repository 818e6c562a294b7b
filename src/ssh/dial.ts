/**
 * A failed dial: ssh's exit 255 before any session, with the message OpenSSH prints for it.
 * Nothing ran on the host, so the command may be tried again. The command provider retries
 * these (pulumi-command's `dialErrorLimit`); the test engine reproduces that
 * (src/engine/provider.ts), and the SSH session retries the quick ones (ssh.ts).
 */
export interface DialResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Refused, reset or closed before the banner, or throttled by sshd's MaxStartups: the host
 * answered, no session. Not "Connection timed out during banner exchange": that one already
 * waited its ConnectTimeout.
 */
const QUICK_FAILURE = /connect to host .* port \d+: Connection refused|kex_exchange_identification|Connection (closed|reset) by .* port \d+/;
/** Any failure to connect, the timeouts and unreachable networks included (what the provider retries). */
const ANY_FAILURE = /connect to host .* port \d+: |kex_exchange_identification|Connection (closed|reset) by .* port \d+|banner exchange|Connection timed out during banner exchange/;

export function isDialFailure(r: DialResult, opts: { timeouts: boolean }): boolean {
  if (r.code !== 255 || r.stdout !== "") return false;
  return (opts.timeouts ? ANY_FAILURE : QUICK_FAILURE).test(r.stderr);
}

interface DialRetry {
  /** Failed dials retried before giving up (-1: without end). */
  readonly limit: number;
  /** Whether a dial that timed out is retried too (each costs a whole ConnectTimeout). */
  readonly timeouts: boolean;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Asked before each retry: was it really no session? A remote command can itself exit 255
   * and print what a failed dial prints (an ssh or sftp it ran); the SSH session answers by
   * asking its connection master whether it is up.
   */
  readonly noSession?: () => Promise<boolean>;
}

/**
 * Runs `attempt` until it is not a failed dial, or `limit` failed dials were retried, with a
 * backoff from 100 ms growing 1.5x to 5 s (the provider's). Returns the last result and how
 * many dials failed.
 */
export async function withDialRetry<R extends DialResult>(attempt: () => Promise<R>, o: DialRetry): Promise<{ result: R; failures: number }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = 100;
  for (let failures = 0; ; ) {
    const result = await attempt();
    if (!isDialFailure(result, o) || (o.noSession && !(await o.noSession()))) return { result, failures };
    failures++;
    if (o.limit >= 0 && failures > o.limit) return { result, failures };
    await sleep(delay);
    delay = Math.min(delay * 1.5, 5000);
  }
}
