/**
 * `@mcp-auth/core/policy`: the policy language's types (rules, conditions, decisions,
 * explanations) and the scope helpers, for tools that read, write or check policies. The
 * engine itself (`PolicyEngine`, `createDefaultPolicies`, `PolicyDocument`, …) is in the root
 * entry.
 * @packageDocumentation
 */
export {
  type AttributeCondition,
  type AttributePath,
  coveringScope,
  defaultPolicyRules,
  defaultScopeHierarchy,
  isValidScopeToken,
  isValidToolName,
  MAX_TOOL_NAME_LENGTH,
  OFFLINE_ACCESS,
  type PolicyCondition,
  type PolicyConditionInput,
  type PolicyConditionJson,
  type PolicyDecisionCode,
  type PolicyEffect,
  type PolicyEvaluationInput,
  type PolicyExplanation,
  type PolicyPredicate,
  type PolicyProblem,
  type PolicyRule,
  type PolicyRuleJson,
  type PolicySubject,
  type RateLimitDimension,
  type RateLimitJson,
  type RateLimitRule,
  type RuleExplanation,
  resourceScopes,
  type ScalarValue,
  type ScopeCoverage,
  ScopeHierarchy,
  type ScopeHierarchyDeclaration,
  type ScopeRequirement,
  scopeCovers,
  type ToolPatternLanguage,
  type ValueRef,
} from './policy/index.js';
