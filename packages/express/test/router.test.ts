import express from 'express';
import { afterEach, describe } from 'vitest';
import { expressRouterSuite } from './express-suites.js';
import { closeAll } from './fixture.js';

afterEach(closeAll);

describe('Express', () => expressRouterSuite(express));
