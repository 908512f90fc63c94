import { InvalidRequestError, InvalidScopeError } from '../../errors/oauth-error.js';
import type { FormParams } from '../../http/form.js';
import { isValidScopeParameter } from '../../policy/scopes.js';

/** A form parameter that must be present and non-empty, else `invalid_request`. */
export function requiredParam(form: FormParams, name: string): string {
  const value = form.get(name);
  if (value === undefined || value.length === 0) {
    throw new InvalidRequestError(`The ${name} parameter is required`);
  }
  return value;
}

/** The `scope` parameter as a list, `undefined` when absent or empty; `invalid_scope` when malformed. */
export function optionalScopes(form: FormParams): string[] | undefined {
  const scope = form.get('scope');
  if (scope === undefined || scope.length === 0) return undefined;
  if (!isValidScopeParameter(scope))
    throw new InvalidScopeError('The scope parameter is malformed');
  return scope.split(' ');
}
