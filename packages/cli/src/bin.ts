#!/usr/bin/env node
import { program } from './main.js';

await program().parseAsync(process.argv);
