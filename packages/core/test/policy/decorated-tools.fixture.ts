/**
 * TC39 (TypeScript 5, `experimentalDecorators: false`) use of `@authRequired`. Type-checked by
 * `tsconfig.test.json`; `middleware.test.ts` compiles it with the TypeScript compiler's standard
 * decorator emit and runs it (the test runner's own transform does not lower decorators).
 */
import type { AuthContext } from '../../src/domain/index.js';
import { authRequired, type McpResourceAuth } from '../../src/resource/index.js';

export function createDecoratedTools(auth: McpResourceAuth) {
  class Tools {
    readonly prefix = 'doc:';

    @authRequired(auth, 'edit_doc')
    async editDoc(ctx: AuthContext, args: { owner: string; id: string }): Promise<string> {
      return `${this.prefix}${args.id} by ${ctx.userId}`;
    }

    @authRequired(auth, 'deploy')
    async deploy(ctx: AuthContext): Promise<string> {
      return ctx.userId;
    }
  }
  return new Tools();
}
