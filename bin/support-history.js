#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx support-history …` works from a checkout.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
