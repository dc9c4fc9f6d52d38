// Adversarial attacks: the common interface, PGD / FGSM (Foolbox 3 semantics),
// Brendel-Bethge (L2, Linf), the minimal-norm search and the random-direction control.
export * from './common.ts';
export * from './pgd.ts';
export * from './apgd.ts';
export * from './square.ts';
export * from './evaluate.ts';
export * from './brendel-bethge.ts';
export * from './minimal.ts';
export { projectL1Box, uniformL1Ball, uniformL2Ball, uniformLinfBall } from './geometry.ts';
export { solveL2, solveLinf } from './bb-solvers.ts';
export * from './named.ts';
