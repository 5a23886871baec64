import { startStockAzurite } from '../support/stockAzurite';
import { planEquivalenceSuite } from './planEquivalenceSuite';

/**
 * The same properties on Azurite as npm ships it, in its own process: the embedded index shortcuts must change no
 * answer (docs/benchmarks.md#about-the-emulator). 15 % of the seeded cases (the first ones, the same as the embedded run's) keep
 * `npm test` short; `PLAN_EQUIVALENCE_SHARE=1` runs them all (all 270 passed on 2026-11-30, in 5 minutes).
 */
const share = Number(process.env.PLAN_EQUIVALENCE_SHARE ?? 0.15);
// Stock Azurite scans the table for every point read and range: slower, so more time per property.
planEquivalenceSuite({ storage: startStockAzurite, share, timeoutMs: 240_000 * Math.max(1, share * 4) });
