// The op codes the AssemblyScript kernels switch on: the one source. scripts/build-engine.mjs
// reads this file and writes kernels/opcodes.generated.ts (UN_EXP, BIN_ADD, RED_SUM, ...),
// which the kernels import, so the two sides cannot drift apart.
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.ts';

export const UNARY: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  sign: 5,
  relu: 6,
  step: 7,
  square: 8,
  reciprocal: 9,
  sin: 10,
  cos: 11,
};
export const BINARY: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  max: 4,
  min: 5,
  pow: 6,
  gt: 7,
  ge: 8,
  lt: 9,
  le: 10,
  eq: 11,
  ne: 12,
  gate: 13,
};
export const REDUCE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };
