/**
 * The data order a submission gets when it does not choose its own: the training set
 * reshuffled at the start of every epoch (seeded by the trial), walked in batches.
 * A batch that would straddle two epochs is taken whole from the new epoch.
 */
import { createRng, deriveSeed, permutation } from '../core/rng.ts';

export class EpochShuffler {
  private order: Int32Array = new Int32Array(0);
  private position = 0;
  private epoch = -1;

  constructor(
    private readonly trainSize: number,
    private readonly seed: number,
  ) {}

  next(batchSize: number): Int32Array {
    if (this.epoch < 0 || this.position + batchSize > this.order.length) {
      this.epoch += 1;
      this.order = permutation(this.trainSize, createRng(deriveSeed(this.seed, 'epoch', this.epoch)));
      this.position = 0;
    }
    const batch = this.order.slice(this.position, this.position + batchSize);
    this.position += batchSize;
    return batch;
  }
}
