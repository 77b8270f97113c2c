/** mulberry32: a seeded PRNG, so a failing property case can be replayed from its seed (the learning code's own). */
export { mulberry32 as seededRandom } from '../../src/learning/random';
