/**
 * Prometheus metrics for the platform team, derived from the audit events (one per
 * request), so what is counted and what is audited can never disagree. Labels are
 * bounded: action names come from the config (anything else is counted as "unknown"),
 * and nothing a caller sends, no role, no computer id and no secret becomes a label.
 *
 * Each broker has its own registry: two brokers in one process (tests, the sandbox)
 * do not share counters.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AuditEvent, Auditor } from '../audit';

/** Seconds; a broker call is a Vault login, a capabilities check and a target call. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly knownActions: ReadonlySet<string>;
  private readonly requests: Counter<'event' | 'action' | 'outcome' | 'status'>;
  private readonly duration: Histogram<'event' | 'action' | 'outcome'>;
  private readonly steps: Histogram<'event' | 'step'>;

  constructor(options: { actions: readonly string[]; processMetrics?: boolean }) {
    this.knownActions = new Set(options.actions);
    this.requests = new Counter({
      name: 'credential_broker_requests_total',
      help: 'Audited requests by event, action, outcome (success, denied, rejected, failed) and HTTP status.',
      labelNames: ['event', 'action', 'outcome', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'credential_broker_request_duration_seconds',
      help: 'Time from request to response for audited requests.',
      labelNames: ['event', 'action', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.steps = new Histogram({
      name: 'credential_broker_step_duration_seconds',
      help: 'Time spent in each step of a request (Vault login, capabilities check, key fetch, target call, ...).',
      labelNames: ['event', 'step'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'credential_broker_' });
    }
  }

  /** An auditor that counts each event, then hands it to `inner`. */
  counting(inner: Auditor): Auditor {
    return {
      record: (event: AuditEvent) => {
        this.observe(event);
        inner.record(event);
      },
    };
  }

  observe(event: AuditEvent): void {
    const action = event.action && this.knownActions.has(event.action) ? event.action : event.action ? 'unknown' : '';
    this.requests.inc({ event: event.event, action, outcome: event.outcome, status: String(event.status) });
    this.duration.observe({ event: event.event, action, outcome: event.outcome }, event.duration_ms / 1000);
    for (const [step, ms] of Object.entries(event.durations_ms ?? {})) {
      this.steps.observe({ event: event.event, step: step.replace(/_ms$/, '') }, ms / 1000);
    }
  }

  contentType(): string {
    return this.registry.contentType;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
