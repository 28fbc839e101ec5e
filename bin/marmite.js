#!/usr/bin/env node
// The CLI is compiled to dist/ on install (npm "prepare"); this shim stays stable for npx.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
