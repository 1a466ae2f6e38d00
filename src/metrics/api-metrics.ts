/**
 * The HTTP API's Prometheus metrics, on the app's registry: requests per route pattern,
 * method and status, and their durations. Labels never hold a raw path (ids in it would
 * make a series per request) nor a key's name (a label per key is a leak and a cardinality
 * risk): the usage log has who used what.
 */
import { Counter, Histogram, type Registry } from "prom-client";

export const API_METRIC_NAMES = {
  requests: "api_requests_total",
  duration: "api_request_duration_seconds",
} as const;

/** From a health check (a few ms) to a long transcription or streamed answer (5 min). */
const REQUEST_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface ApiMetrics {
  /** Records one answered request; `route` is the route's pattern ("/v1/models"). */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: API_METRIC_NAMES.requests,
    help: 'HTTP API requests, by route pattern ("unmatched": no route), method and status.',
    labelNames: ["route", "method", "status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: API_METRIC_NAMES.duration,
    help: "Time from an HTTP API request to its answer's start (a stream's headers), in seconds, by route pattern.",
    labelNames: ["route"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  return {
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route }, seconds);
    },
  };
}
