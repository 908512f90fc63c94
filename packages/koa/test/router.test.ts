import Koa from 'koa';
import { afterEach, describe } from 'vitest';
import { closeAll, listen } from '../../express/test/fixture.js';
import { routerCases } from '../../express/test/router-cases.js';
import { mcpAuthRoutes } from '../src/index.js';
import { bodyParser } from './body-parser.js';

afterEach(closeAll);

describe('Koa', () => {
  routerCases({
    start(server, options = {}) {
      const app = new Koa();
      if (options.formParserFirst) app.use(bodyParser('form'));
      app.use(mcpAuthRoutes(server));
      app.use((ctx) => {
        if (ctx.method === 'GET' && ctx.path === '/hello') ctx.body = 'app';
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRoutes(server as never),
  });
});
