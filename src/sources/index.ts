export { DEFAULT_CHUNK_SIZE, SCAN_WINDOW, scanTree, TreeScan } from './scan.js';
export { ScanError, type ScanErrorCode } from './errors.js';
export type { DirectoryChunk, ScanFailure, ScanOptions } from './types.js';
export { openJobSource } from './job-source.js';
export type { FileFacts, JobSource, ReadProgress, SourceFiles, SourceStats } from './source.js';
