// What a browser bundle gets in place of the Node/Deno platform modules
// (package.json "browser" maps src/lab/platform/*.js and the WASM backend's Node
// worker loader here): the same names, each throwing a clear error. The lab only
// reaches them through lazy imports of path-based functions, so a bundle that
// does not call those never runs this code. tests/examples.test.ts checks that
// every export of the platform modules has a stand-in here.
const unavailable = (name: string) => (): never => {
  throw new Error(
    `ifrlab: ${name}() works with files on disk and is not available in a browser; use the byte-level functions (loadDataset with a reader, decodeCheckpoint, memorySink)`,
  );
};

// fs.ts
export const joinPath = unavailable('joinPath'),
  dirName = unavailable('dirName'),
  resolvePath = unavailable('resolvePath');
export const readBytes = unavailable('readBytes'),
  readText = unavailable('readText'),
  writeBytes = unavailable('writeBytes');
export const fileExists = unavailable('fileExists'),
  fileSize = unavailable('fileSize'),
  makeDir = unavailable('makeDir');
export const listDir = unavailable('listDir'),
  removeFile = unavailable('removeFile'),
  copyFile = unavailable('copyFile');
export const resolveDataDir = unavailable('resolveDataDir'),
  env = unavailable('env'),
  packageRoot = unavailable('packageRoot');
// (names other branches add to these modules, so that merging them keeps the bundle building)
export const fsErrorMessage = unavailable('fsErrorMessage'),
  prepareOutputDir = unavailable('prepareOutputDir'),
  removeStaleTemps = unavailable('removeStaleTemps');
// data.ts
export const dirReader = unavailable('dirReader'),
  loadDatasetFromDisk = unavailable('loadDatasetFromDisk');
// train-sink.ts
export const dirSink = unavailable('dirSink'),
  readTrainLog = unavailable('readTrainLog'),
  checkpointPath = unavailable('checkpointPath');
export const findResumePoint = unavailable('findResumePoint'),
  discardWeights = unavailable('discardWeights');
// download.ts
export const download = unavailable('download'),
  npmPack = unavailable('npmPack');
// engine/backends/wasm/platform-node.ts (browsers spawn Web Workers instead)
export const spawnNodeWorker = unavailable('spawnNodeWorker');
