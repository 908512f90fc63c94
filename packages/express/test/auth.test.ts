import express from 'express';
import { afterEach, describe } from 'vitest';
import { expressProtectionSuite } from './express-suites.js';
import { closeAll } from './fixture.js';

afterEach(closeAll);

describe('Express', () => expressProtectionSuite(express));
