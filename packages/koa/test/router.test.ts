import Koa from 'koa';
import { afterEach, describe } from 'vitest';
import { closeAll } from '../../express/test/fixture.js';
import { koaRouterSuite } from './koa-suites.js';

afterEach(closeAll);

describe('Koa', () => koaRouterSuite(Koa));
