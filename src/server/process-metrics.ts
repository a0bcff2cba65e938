/**
 * The process's own series, under the names Node's Prometheus clients use
 * (prom-client's defaults), so that existing dashboards and alerts work:
 * CPU, resident memory, heap, open files, event-loop delay and garbage
 * collection pauses. Read at scrape time; the event-loop delay and the GC
 * pauses are sampled continuously while the server runs.
 */
import { readdirSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { GaugeFn, Histogram, type Registry } from './metrics.js';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** How often the event loop is sampled. */
const LAG_RESOLUTION_MS = 10;

/** Open file descriptors (Linux); NaN where /proc is not there. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the one reading the directory
  } catch {
    return NaN;
  }
}

/** Adds the process series to `registry`; the function returned stops the sampling. */
export function addProcessMetrics(registry: Registry): () => void {
  const started = Math.round((performance.timeOrigin) / 1000);
  const cpu = (pick: (u: NodeJS.CpuUsage) => number) => (): Array<[string[], number]> => [[[], pick(process.cpuUsage()) / 1e6]];
  const gauge = (name: string, help: string, read: () => number) => registry.add(new GaugeFn(name, help, [], () => [[[], read()]]));

  registry.add(new GaugeFn('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', [], cpu((u) => u.user), 'counter'));
  registry.add(new GaugeFn('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', [], cpu((u) => u.system), 'counter'));
  registry.add(new GaugeFn('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], cpu((u) => u.user + u.system), 'counter'));
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => started);
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  gauge('process_open_fds', 'Number of open file descriptors.', openFds);
  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal);
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed);
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => process.memoryUsage().external);
  registry.add(new GaugeFn('nodejs_version_info', 'Node.js version info.', ['version', 'major', 'minor', 'patch'], () => {
    const [major, minor, patch] = process.versions.node.split('.');
    return [[[process.version, major, minor, patch], 1]];
  }));

  // Event-loop delay since the last scrape, like prom-client: a stalled loop is what delays decisions.
  // Node records the whole interval between its timer's runs; the lag is what exceeds the interval.
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  delay.enable();
  const lag = (name: string, help: string, read: () => number) =>
    gauge(name, help, () => (delay.count === 0 ? 0 : Math.max(0, read() / 1e9 - LAG_RESOLUTION_MS / 1000)));
  lag('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', () => delay.min);
  lag('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', () => delay.max);
  lag('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', () => delay.mean);
  lag('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', () => delay.percentile(50));
  lag('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', () => {
    const p99 = delay.percentile(99);
    delay.reset(); // the last of the series read in a scrape: the next scrape covers the time since this one
    return p99;
  });

  const gc = registry.add(new Histogram('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', ['kind'], GC_BUCKETS));
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      gc.observe([GC_KINDS[kind ?? -1] ?? 'unknown'], e.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  return () => {
    observer.disconnect();
    delay.disable();
  };
}
