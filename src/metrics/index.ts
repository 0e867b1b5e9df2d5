export {
  FILE_OUTCOMES,
  METRIC_PREFIX,
  Metrics,
  QUEUE_STATES,
  type Exposition,
  type FileOutcome,
  type JobProbe,
  type JobSample,
  type MetricsOptions,
  type QueueState,
  type RedisHealth,
  type RedisProbe,
} from './registry.js';
export { redisProbe } from './redis-health.js';
export {
  MetricsServerError,
  parseListen,
  startMetricsServer,
  type ListenAddress,
  type MetricsServer,
  type MetricsServerOptions,
} from './server.js';
