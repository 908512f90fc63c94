import express from 'express';
import { afterEach, describe } from 'vitest';
import { mcpAuthRouter } from '../src/index.js';
import { closeAll, listen } from './fixture.js';
import { routerCases } from './router-cases.js';

afterEach(closeAll);

describe('Express', () => {
  routerCases({
    start(server, options = {}) {
      const app = express();
      if (options.formParserFirst) app.use(express.urlencoded({ extended: false }));
      app.use(mcpAuthRouter(server));
      app.get('/hello', (_req, res) => {
        res.send('app');
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRouter(server as never),
  });
});
