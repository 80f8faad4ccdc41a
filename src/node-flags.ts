/**
 * The flags the service's Node process starts with, wherever it runs: `npm start`, `npm run dev`, the
 * image's CMD (all checked by test/unit/deployment-files.test.ts) and the streaming benchmark's service.
 *
 * A young generation of 8 MiB per semi-space instead of V8's 16: 100 running turns keep about 2 MB
 * of young objects alive at any moment (by sampling heap profiles: each turn's reply state, the
 * records and prompt read as it starts, and the token writer's Redis commands), and each scavenge
 * stops the thread while it copies them, however much garbage surrounds them. Half the space is
 * twice the scavenges, each about half as long. At 100 discussions × 10 subscribers (`npm run
 * bench:stream`, part 2) that took the service's scavenge pauses from 5.5–8.7 ms at the median to
 * 2.9–6.1 ms, and its p99 added latency from 45 to 32 ms (medians of 9 service/raw pairs each), for
 * about one more percent of the time paused. Measured again once the token writes were batched
 * (docs/benchmarks.md), neither 16 MiB nor 4 was better.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=8'] as const;
