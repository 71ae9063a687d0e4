// A user's own recipe: a CommonJS module that exports loadData() and buildModel(). The trainer passes its own
// tfjs instance as context.tf; create every tensor and layer with it. This one learns y = 1 when x0 + x1 > 1
// on 256 synthetic points, so it trains in a second on any backend.

/** Deterministic pseudo-random numbers from a seed (mulberry32), so the data is the same in every run. */
function pseudoRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeSplit(tf, count, seed) {
  const next = pseudoRandom(seed);
  const features = [];
  const labels = [];
  for (let i = 0; i < count; i++) {
    const x0 = next();
    const x1 = next();
    features.push([x0, x1]);
    labels.push([x0 + x1 > 1 ? 1 : 0]);
  }
  return { x: tf.tensor2d(features), y: tf.tensor2d(labels) };
}

module.exports = {
  loss: 'binaryCrossentropy',

  /** Returns training and held-out tensors; a recipe with a tokenizer also returns its JSON as `tokenizer`. */
  loadData({ tf }) {
    const train = makeSplit(tf, 256, 1);
    const heldOut = makeSplit(tf, 64, 2);
    return { trainX: train.x, trainY: train.y, evalX: heldOut.x, evalY: heldOut.y };
  },

  /** Builds the model; name the layers so saved weights keep the same names in every process. */
  buildModel({ tf, seed }) {
    return tf.sequential({
      layers: [
        tf.layers.dense({ name: 'hidden', inputShape: [2], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
        tf.layers.dense({ name: 'output', units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      ],
    });
  },
};
