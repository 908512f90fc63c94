import express from 'express';
import { expressGuardSuite } from './express-suites.js';

expressGuardSuite(express, 'Express 5');
