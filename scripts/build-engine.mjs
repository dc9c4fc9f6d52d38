// Builds the AssemblyScript kernels in engine/ (placeholder until the WASM backend lands).
console.log('build-engine: no WASM kernels yet');
