import Koa from 'koa';
import { koaGuardSuite } from './koa-suites.js';

koaGuardSuite(Koa, 'Koa 3');
