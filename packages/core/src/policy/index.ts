export { createDefaultPolicies, defaultPolicyRules, defaultScopeHierarchy } from './defaults.js';
export { PolicyEngine } from './engine.js';
export { PolicyValidationError } from './errors.js';
export { isValidToolName, MAX_TOOL_NAME_LENGTH } from './pattern.js';
export { policyJsonSchema } from './schema.js';
export {
  coveringScope,
  isValidScopeToken,
  OFFLINE_ACCESS,
  resourceScopes,
  ScopeHierarchy,
  scopeCovers,
} from './scopes.js';
export type {
  AttributeCondition,
  AttributePath,
  PolicyCondition,
  PolicyConditionInput,
  PolicyConditionJson,
  PolicyDecision,
  PolicyDecisionCode,
  PolicyDecisionEvent,
  PolicyDocument,
  PolicyEffect,
  PolicyEngineOptions,
  PolicyEvaluationInput,
  PolicyExplanation,
  PolicyPredicate,
  PolicyProblem,
  PolicyRule,
  PolicyRuleJson,
  PolicySubject,
  RateLimitDimension,
  RateLimitJson,
  RateLimitRule,
  RuleExplanation,
  ScalarValue,
  ScopeCoverage,
  ScopeHierarchyDeclaration,
  ScopeRequirement,
  ToolPatternLanguage,
  ValueRef,
} from './types.js';
