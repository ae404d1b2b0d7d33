#!/usr/bin/env node
// The installed entry point: tsx's loader lets Node run the TypeScript sources (and
// submissions written in TypeScript) without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
