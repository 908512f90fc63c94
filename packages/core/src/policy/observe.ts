import type { AuditRecorder } from '../observability/audit.js';
import {
  ATTRIBUTES,
  COUNTER_NAMES,
  type Instrumentation,
} from '../observability/instrumentation.js';
import type { PolicyEngine } from './engine.js';
import type { PolicyDecisionEvent } from './types.js';

/** Where {@link observePolicyDecisions} sends a policy's decisions. */
export interface PolicyObservers {
  /** Receives one `decision` audit event per decision. */
  readonly audit?: AuditRecorder | undefined;
  /** Counts `mcp_auth.decisions` by tool, effect and reason code. */
  readonly instrumentation?: Instrumentation | undefined;
}

/** The `mcp.tool.name` of decision metrics for a tool no rule matches. */
export const UNMATCHED_TOOL = '_unmatched';

// Which observers already listen to a policy: a guard and a server sharing one policy (or two
// guards) subscribe once, so each decision is recorded once.
const watched = new WeakMap<PolicyEngine, WeakSet<object>>();

/**
 * Subscribes the audit trail and the decision metrics to `policy.onDecision`, the one source
 * of decision events (the in-server check of a call the guard already decided emits none, see
 * `isDecidedAtEdge`). Idempotent per (policy, observer). Returns a function that unsubscribes.
 */
export function observePolicyDecisions(
  policy: PolicyEngine,
  observers: PolicyObservers,
): () => void {
  const { audit, instrumentation } = observers;
  const unsubscribe: (() => void)[] = [];
  let seen = watched.get(policy);
  if (seen === undefined) {
    seen = new WeakSet();
    watched.set(policy, seen);
  }
  if (audit !== undefined && !seen.has(audit)) {
    if (typeof audit?.record !== 'function')
      throw new TypeError('audit must be an AuditRecorder (createAuditTrail())');
    seen.add(audit);
    const off = policy.onDecision((event) =>
      audit.record(decisionAuditEvent(event, instrumentation)),
    );
    unsubscribe.push(() => {
      off();
      seen.delete(audit);
    });
  }
  if (instrumentation !== undefined && !seen.has(instrumentation)) {
    if (typeof instrumentation?.inSpan !== 'function')
      throw new TypeError('instrumentation must implement the Instrumentation port');
    seen.add(instrumentation);
    const off = policy.onDecision((event) =>
      instrumentation.count(COUNTER_NAMES.decisions, {
        // Names no rule matches are the caller's to invent: one bucket keeps cardinality bounded.
        [ATTRIBUTES.toolName]:
          event.code === 'no_matching_rule' || event.code === 'invalid_tool_name'
            ? UNMATCHED_TOOL
            : event.tool,
        [ATTRIBUTES.effect]: event.decision,
        [ATTRIBUTES.code]: event.code,
      }),
    );
    unsubscribe.push(() => {
      off();
      seen.delete(instrumentation);
    });
  }
  return () => {
    for (const off of unsubscribe) off();
  };
}

function decisionAuditEvent(event: PolicyDecisionEvent, instrumentation?: Instrumentation) {
  return {
    type: 'decision' as const,
    subject: event.subject,
    clientId: event.clientId,
    tool: event.tool,
    effect: event.decision,
    code: event.code,
    ruleId: event.ruleId,
    reason: event.reason,
    missingScopes: event.missingScopes.length > 0 ? event.missingScopes : undefined,
    traceId: event.traceId ?? instrumentation?.activeTraceId?.(),
  };
}
