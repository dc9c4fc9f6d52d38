// Types of the file that scripts/build-engine.mjs generates (engine-bytes.generated.ts, git-ignored),
// so that `tsc --noEmit` type-checks a fresh checkout before `npm run build:engine` has run.
export declare const ENGINE_HASH: string;
/** Module with its own (non-shared) imported memory: single thread. */
export declare const ENGINE_SINGLE_BASE64: string;
/** Same kernels over a shared imported memory: worker threads. */
export declare const ENGINE_SHARED_BASE64: string;
