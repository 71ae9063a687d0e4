// A seeded PRNG whose state can be saved in a checkpoint and restored, so that shuffling after a resume
// continues exactly where it stopped. Uses seedrandom's Alea generator.

/** The saved state of an Alea generator (seedrandom's own format). */
export type RandomState = { c: number; s0: number; s1: number; s2: number };

interface AleaPrng {
  (): number;
  state(): RandomState;
}

type AleaFactory = (seed: string, options: { state: boolean | RandomState }) => AleaPrng;
// The seedrandom typings (v2) do not describe the Alea generator of v3, so it is required with a local type.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const alea = require('seedrandom/lib/alea') as AleaFactory;

export class Random {
  private readonly prng: AleaPrng;

  constructor(seed: number | string, state?: RandomState) {
    this.prng = alea(String(seed), { state: state ?? true });
  }

  /** Returns a float in [0, 1). */
  next(): number {
    return this.prng();
  }

  state(): RandomState {
    return this.prng.state();
  }

  /** Returns 0..n-1 in a random order (Fisher-Yates). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}
