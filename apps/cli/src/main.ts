import { ApiError } from '@convoy/client';
import { loadConfig } from './config.js';
import { createProgram } from './program.js';

const output = { stdout: process.stdout, stderr: process.stderr };
try {
  const program = createProgram(loadConfig(process.env), output);
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof ApiError ? ` [${error.code}]` : '';
  process.stderr.write(
    `convoy: ${error instanceof Error ? error.message : String(error)}${code}\n`,
  );
  process.exitCode = 1;
}
