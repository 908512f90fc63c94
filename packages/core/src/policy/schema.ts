import { rateLimitJsonSchema } from './rate-limits.js';

/**
 * JSON Schema (draft 2020-12) of the JSON policy document read by `PolicyEngine.fromJSON` and
 * written by `toJSON()`. Also shipped as `policy.schema.json` for editors. The schema checks
 * shape; `fromJSON` additionally checks tool patterns (safe subset), duplicate ids, the
 * "deny rules have no scopes" rule, `offline_access` and scope-hierarchy cycles, and reports every problem with a JSON pointer.
 */
export const policyJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://unpkg.com/@mcp-auth/core/dist/policy.schema.json',
  title: 'mcp-auth tool policy',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'rules'],
  properties: {
    $schema: { type: 'string' },
    version: { const: 1 },
    scopeHierarchy: {
      description:
        'Broader scope -> the narrower scopes it implies (transitive; no cycles; not offline_access). MCP 2026-07-28: servers MUST account for scope hierarchies (SEP-2350).',
      type: 'object',
      propertyNames: { $ref: '#/$defs/scope' },
      additionalProperties: { $ref: '#/$defs/scopeList' },
    },
    rules: { type: 'array', items: { $ref: '#/$defs/rule' } },
    rateLimits: {
      description:
        'Rate limits enforced by the MCP guard before a tool runs: at most `limit` calls per `windowSeconds`, counted per subject, client and/or tool (docs/rate-limits.md).',
      type: 'array',
      items: { $ref: '#/$defs/rateLimit' },
    },
  },
  $defs: {
    rateLimit: rateLimitJsonSchema,
    rule: {
      type: 'object',
      additionalProperties: false,
      required: ['tools'],
      properties: {
        id: { type: 'string', pattern: '^[\\x20-\\x7e]{1,128}$' },
        description: { type: 'string' },
        tools: {
          description:
            'A pattern or a list of patterns, each matched against the whole tool name (safe regular-expression subset; no nested quantifiers, backreferences or lookaround).',
          oneOf: [
            { $ref: '#/$defs/pattern' },
            { type: 'array', minItems: 1, items: { $ref: '#/$defs/pattern' } },
          ],
        },
        effect: { enum: ['allow', 'deny'], default: 'allow' },
        scopes: {
          oneOf: [
            { $ref: '#/$defs/scopeList' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['allOf'],
              properties: { allOf: { $ref: '#/$defs/scopeList' } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['anyOf'],
              properties: { anyOf: { $ref: '#/$defs/scopeList', minItems: 1 } },
            },
          ],
        },
        when: { $ref: '#/$defs/condition' },
        args: { $ref: '#/$defs/condition' },
      },
    },
    pattern: { type: 'string', minLength: 1, maxLength: 1024 },
    scope: { type: 'string', pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,256}$' },
    scopeList: { type: 'array', items: { $ref: '#/$defs/scope' } },
    path: {
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', minLength: 1 } },
      ],
    },
    scalar: { type: ['string', 'number', 'boolean', 'null'] },
    ref: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['claim'],
          properties: { claim: { $ref: '#/$defs/path' } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['arg'],
          properties: { arg: { $ref: '#/$defs/path' } },
        },
      ],
    },
    condition: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['all'],
          properties: { all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['any'],
          properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['not'],
          properties: { not: { $ref: '#/$defs/condition' } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['principal'],
          properties: { principal: { enum: ['user', 'client'] } },
        },
        { $ref: '#/$defs/comparison' },
      ],
    },
    comparison: {
      type: 'object',
      additionalProperties: false,
      minProperties: 2,
      maxProperties: 2,
      oneOf: [{ required: ['claim'] }, { required: ['arg'] }],
      properties: {
        claim: { $ref: '#/$defs/path' },
        arg: { $ref: '#/$defs/path' },
        eq: { oneOf: [{ $ref: '#/$defs/scalar' }, { $ref: '#/$defs/ref' }] },
        in: {
          oneOf: [{ type: 'array', items: { $ref: '#/$defs/scalar' } }, { $ref: '#/$defs/ref' }],
        },
        contains: { oneOf: [{ $ref: '#/$defs/scalar' }, { $ref: '#/$defs/ref' }] },
        exists: { type: 'boolean' },
        gt: { oneOf: [{ type: 'number' }, { $ref: '#/$defs/ref' }] },
        gte: { oneOf: [{ type: 'number' }, { $ref: '#/$defs/ref' }] },
        lt: { oneOf: [{ type: 'number' }, { $ref: '#/$defs/ref' }] },
        lte: { oneOf: [{ type: 'number' }, { $ref: '#/$defs/ref' }] },
      },
    },
  },
} as const;
