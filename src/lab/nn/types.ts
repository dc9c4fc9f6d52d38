// The contract between models and everything that uses them (training, attacks,
// analyses, the web lab). Concrete models live in src/nn/.
import type { Tensor } from '../../engine/tensor.ts';

/** Extra outputs a forward pass can collect. */
export interface ForwardContext {
  /** When given, the model pushes the input of every ReLU here, in order (for ReLU-state analyses). */
  preActivations?: Tensor[];
}

/** The model contract used by training, attacks, analyses and the web lab: logits from images, named parameters. */
export interface Classifier {
  /** The short spec string the model was built from, e.g. 'bwc-k3-c32-d3-relu'. */
  readonly spec: string;
  readonly numClasses: number;
  /** [C, H, W] of one input. */
  readonly inputShape: readonly number[];
  /** Logits [N, numClasses] for input [N, C, H, W]. */
  forward(x: Tensor, ctx?: ForwardContext): Tensor;
  /** Trainable parameters by name (stable order). */
  parameters(): Map<string, Tensor>;
  /** Training mode (batch norm statistics); default false. */
  setTraining(on: boolean): void;
  /** Non-trainable state saved in checkpoints (batch-norm running statistics), by name. Optional. */
  buffers?(): Map<string, Tensor>;
  /** Free every parameter and buffer. Optional. */
  dispose?(): void;
}
