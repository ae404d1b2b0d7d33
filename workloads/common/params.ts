/**
 * Builds a model's named, typed parameters layer by layer, with seeded He-normal
 * weights: each tensor draws from a seed derived from the model seed and its name,
 * so adding a layer never changes the initial values of the others.
 *
 * @example
 *   const b = new ParamBuilder(seed);
 *   b.conv('conv0', 3, 1, 16).norm('norm0', 16).dense('out', 784, 10);
 *   return b.build();
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { ModelInit, ParamType } from '../../harness/spec.ts';

export class ParamBuilder {
  private readonly params: Record<string, tf.Tensor> = {};
  private readonly types: Record<string, ParamType> = {};

  /** `initScale` multiplies the He-normal standard deviation of every weight. */
  constructor(
    private readonly seed: number,
    private readonly initScale = 1,
  ) {}

  /** `name/kernel` [fanIn, fanOut] and `name/bias` [fanOut]. */
  dense(name: string, fanIn: number, fanOut: number): this {
    this.add(`${name}/kernel`, 'weight', this.heNormal(`${name}/kernel`, [fanIn, fanOut], fanIn));
    return this.add(`${name}/bias`, 'bias', tf.zeros([fanOut]));
  }

  /**
   * `name/kernel` [size, size, inChannels, outChannels] (tfjs's HWIO filter layout)
   * and, unless a norm follows that makes it redundant, `name/bias` [outChannels].
   */
  conv(name: string, size: number, inChannels: number, outChannels: number, withBias = true): this {
    const shape = [size, size, inChannels, outChannels];
    this.add(`${name}/kernel`, 'conv_weight', this.heNormal(`${name}/kernel`, shape, size * size * inChannels));
    return withBias ? this.add(`${name}/bias`, 'bias', tf.zeros([outChannels])) : this;
  }

  /** `name/scale` (ones) and `name/bias` (zeros), one value per channel. */
  norm(name: string, channels: number): this {
    this.add(`${name}/scale`, 'norm_scale', tf.ones([channels]));
    return this.add(`${name}/bias`, 'norm_bias', tf.zeros([channels]));
  }

  build(): ModelInit {
    return { params: { ...this.params }, types: { ...this.types } };
  }

  private heNormal(name: string, shape: number[], fanIn: number): tf.Tensor {
    const std = this.initScale * Math.sqrt(2 / fanIn);
    return tf.randomNormal(shape, 0, std, 'float32', deriveSeed(this.seed, name));
  }

  private add(name: string, type: ParamType, value: tf.Tensor): this {
    if (name in this.params) throw new Error(`parameter ${name} defined twice`);
    this.params[name] = value;
    this.types[name] = type;
    return this;
  }
}
