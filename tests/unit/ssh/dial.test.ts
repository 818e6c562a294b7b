import { describe, expect, it } from "vitest";
import { isDialFailure, withDialRetry, type DialResult } from "../../../src/ssh/dial.js";

const refused: DialResult = { code: 255, stdout: "", stderr: "ssh: connect to host 10.0.0.9 port 22: Connection refused\r\n" };
const timedOut: DialResult = { code: 255, stdout: "", stderr: "ssh: connect to host 10.0.0.9 port 22: Connection timed out\r\n" };
const throttled: DialResult = { code: 255, stdout: "", stderr: "kex_exchange_identification: read: Connection reset by peer\r\n" };
const bannerTimeout: DialResult = { code: 255, stdout: "", stderr: "Connection timed out during banner exchange\r\nConnection to 10.0.0.9 port 22 timed out\r\n" };
const cut: DialResult = { code: 255, stdout: "", stderr: "Connection to 10.0.0.9 closed by remote host.\r\n" };
const ran: DialResult = { code: 255, stdout: "partial output\n", stderr: "ssh: connect to host 10.0.0.9 port 22: Connection refused\r\n" };

describe("a failed dial: nothing ran on the host, so it may be tried again", () => {
  it("refused and throttled dials are quick failures; a timeout only where timeouts are retried; a cut session or a command that printed is never a dial", () => {
    for (const r of [refused, throttled]) expect(isDialFailure(r, { timeouts: false })).toBe(true);
    expect(isDialFailure(timedOut, { timeouts: false })).toBe(false);
    // OpenSSH 9.2's words for a port that accepts and never sends a banner: it waited ConnectTimeout.
    expect(isDialFailure(bannerTimeout, { timeouts: false })).toBe(false);
    expect(isDialFailure(bannerTimeout, { timeouts: true })).toBe(true);
    expect(isDialFailure(timedOut, { timeouts: true })).toBe(true);
    for (const r of [cut, ran, { ...refused, code: 1 }]) expect(isDialFailure(r, { timeouts: true })).toBe(false);
  });

  it("retries up to the limit with a growing backoff, then returns the last result", async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await withDialRetry(async () => (calls++, refused), { limit: 4, timeouts: false, sleep: async (ms) => void waits.push(ms) });
    expect(calls).toBe(5);
    expect(r).toEqual({ result: refused, failures: 5 });
    expect(waits).toEqual([100, 150, 225, 337.5]);
  });

  it("stops at the first attempt that is not a failed dial, and never retries a command that ran", async () => {
    const answers = [refused, throttled, { code: 0, stdout: "ok\n", stderr: "" }];
    let calls = 0;
    const r = await withDialRetry(async () => answers[calls++]!, { limit: 10, timeouts: false, sleep: async () => undefined });
    expect(r).toEqual({ result: answers[2], failures: 2 });
    calls = 0;
    const once = await withDialRetry(async () => (calls++, cut), { limit: 10, timeouts: true, sleep: async () => undefined });
    expect([calls, once.failures]).toEqual([1, 0]);
  });

  it("is not retried when the connection turns out to be up: the command itself printed that and exited 255", async () => {
    let calls = 0;
    const r = await withDialRetry(async () => (calls++, refused), { limit: 4, timeouts: false, sleep: async () => undefined, noSession: async () => false });
    expect([calls, r.failures]).toEqual([1, 0]);
  });
});
