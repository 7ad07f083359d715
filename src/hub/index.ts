/** Hugging Face hub downloads with a local cache: datasets for training, benchmarks for eval. */
export {
  DEFAULT_ENDPOINT,
  defaultCacheDir,
  type HubOptions,
  type RepoType,
  resolveHubOptions,
  resolveUrl,
} from "./config";
export { cachedFilePath, type HubDownloadOptions, type HubFile, hubDownload, sha256File } from "./download";
export { ChecksumError, HubHttpError, HubOfflineError, isNetworkError } from "./errors";
export {
  type DatasetFile,
  PARQUET_REVISION,
  type ResolveDatasetOptions,
  resolveDatasetFiles,
} from "./resolve";
