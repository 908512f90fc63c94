import Koa from 'koa';
import { afterEach, describe } from 'vitest';
import { closeAll } from '../../express/test/fixture.js';
import { koaMcpSdkSuite } from './koa-suites.js';

afterEach(closeAll);

describe('Koa', () => koaMcpSdkSuite(Koa));
